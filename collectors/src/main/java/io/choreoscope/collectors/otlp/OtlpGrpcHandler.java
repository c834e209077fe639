package io.choreoscope.collectors.otlp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * OTLP/gRPC on HTTP/2 (cleartext, prior knowledge, as OpenTelemetry exporters connect to {@code http://} endpoints):
 * the unary method {@code TraceService/Export}, framed by hand (a 5-byte prefix: compressed flag, big-endian length;
 * then the protobuf message) so that no gRPC runtime with its own Netty is needed. One instance per HTTP/2 stream.
 *
 * <p>Checks, in order, before any body byte is kept: method POST and the Export path (else UNIMPLEMENTED), a
 * {@code application/grpc} content type (else HTTP 415), the token (else UNAUTHENTICATED), {@code grpc-encoding}
 * identity or gzip (else UNIMPLEMENTED). The message must fit {@code max-body-bytes} (else RESOURCE_EXHAUSTED) and
 * the byte budget (else RESOURCE_EXHAUSTED with a {@code google.rpc.RetryInfo} detail, which exporters honour).
 * A stream whose message has not fully arrived within {@code read-timeout} of its headers is reset; a connection
 * that opens no stream within {@code read-timeout} is closed; at most {@value #MAX_STREAMS} streams run at once per
 * connection.
 */
final class OtlpGrpcHandler extends ChannelInboundHandlerAdapter {
    /** Concurrent streams per connection (exporters send one request at a time per exporter). */
    static final int MAX_STREAMS = 32;
    private static final String GRPC = "application/grpc";

    private final OtlpReceiver receiver;
    private final int maxBody;
    private ScheduledFuture<?> deadline;
    private boolean started;
    private boolean done;
    private CompositeByteBuf body;
    private long reserved;
    private boolean compressedAllowed;

    private OtlpGrpcHandler(OtlpReceiver receiver) {
        this.receiver = receiver;
        this.maxBody = receiver.config().getMaxBodyBytes();
    }

    static void configure(ChannelPipeline pipeline, OtlpReceiver receiver, AtomicInteger connections) {
        OtlpConfig config = receiver.config();
        long readTimeout = config.getReadTimeout().toMillis();
        pipeline.addLast(new IdleStateHandler(0, 0, config.getIdleTimeout().toMillis(), TimeUnit.MILLISECONDS));
        pipeline.addLast(new ConnectionGuard(connections, config.getMaxConnections()));
        pipeline.addLast(new FirstStreamDeadline(readTimeout));
        pipeline.addLast(Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings()
                        .maxConcurrentStreams(MAX_STREAMS)
                        .maxHeaderListSize(16 * 1024))
                .build());
        pipeline.addLast(new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel ch) {
                ch.pipeline().addLast(new OtlpGrpcHandler(receiver));
            }
        }));
    }

    private void armDeadline(ChannelHandlerContext ctx) {
        deadline = ctx.executor().schedule(() -> {
            if (!done) {
                done = true;
                releaseBody();
                receiver.record("grpc", OtlpReceiver.Answer.error(408, OtlpReceiver.RPC_DEADLINE_EXCEEDED,
                        "request not received within " + receiver.config().getReadTimeout().toMillis() + " ms"));
                ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.CANCEL));
                ctx.close();
            }
        }, receiver.config().getReadTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancelDeadline();
        releaseBody();
        super.channelInactive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (done) {
                return;
            }
            if (msg instanceof Http2HeadersFrame h) {
                if (!started) {
                    started = true;
                    if (!begin(ctx, h.headers())) {
                        return;
                    }
                    if (h.isEndStream()) {
                        finish(ctx);
                    }
                } else if (h.isEndStream()) {
                    finish(ctx); // trailers from the client end the request
                }
            } else if (msg instanceof Http2DataFrame d && started) {
                data(ctx, d.content());
                if (!done && d.isEndStream()) {
                    finish(ctx);
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private boolean begin(ChannelHandlerContext ctx, Http2Headers headers) {
        FirstStreamDeadline connectionDeadline = ctx.channel().parent().pipeline().get(FirstStreamDeadline.class);
        if (connectionDeadline != null) {
            connectionDeadline.streamOpened();
        }
        armDeadline(ctx);
        String path = str(headers.path());
        if (!"POST".contentEquals(headers.method() == null ? "" : headers.method()) || !OtlpReceiver.GRPC_PATH.equals(path)) {
            return refuse(ctx, OtlpReceiver.Answer.error(404, OtlpReceiver.RPC_UNIMPLEMENTED, "unknown method " + path
                    + "; OTLP traces go to " + OtlpReceiver.GRPC_PATH));
        }
        String type = str(headers.get("content-type"));
        if (type == null || !type.startsWith(GRPC)) {
            done = true;
            cancelDeadline();
            receiver.record("grpc", OtlpReceiver.Answer.error(415, OtlpReceiver.RPC_INVALID_ARGUMENT, "content-type " + type));
            ctx.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("415"), true));
            return false;
        }
        if (!receiver.authorized(str(headers.get("authorization")), str(headers.get("x-api-key")))) {
            return refuse(ctx, OtlpReceiver.unauthenticated());
        }
        String encoding = str(headers.get("grpc-encoding"));
        if (encoding != null && !encoding.equals("identity") && !encoding.equals("gzip")) {
            return refuse(ctx, OtlpReceiver.Answer.error(415, OtlpReceiver.RPC_UNIMPLEMENTED, "unsupported grpc-encoding '"
                    + encoding + "': use gzip or identity"));
        }
        compressedAllowed = "gzip".equals(encoding);
        body = ctx.alloc().compositeBuffer(Integer.MAX_VALUE);
        return true;
    }

    private void data(ChannelHandlerContext ctx, ByteBuf content) {
        int n = content.readableBytes();
        if (n == 0) {
            return;
        }
        if (body.readableBytes() + (long) n > maxBody + 5L) {
            refuse(ctx, receiver.tooLarge("message"));
            return;
        }
        if (!receiver.budget().tryReserve(n)) {
            refuse(ctx, receiver.overBudget());
            return;
        }
        reserved += n;
        body.addComponent(true, content.retain());
    }

    private void finish(ChannelHandlerContext ctx) {
        cancelDeadline();
        done = true;
        if (body.readableBytes() < 5) {
            refuse(ctx, OtlpReceiver.Answer.error(400, OtlpReceiver.RPC_INVALID_ARGUMENT, "no gRPC message in the request"));
            return;
        }
        int flag = body.getUnsignedByte(0);
        long length = body.getUnsignedInt(1);
        if (length != body.readableBytes() - 5 || flag > 1) {
            refuse(ctx, OtlpReceiver.Answer.error(400, OtlpReceiver.RPC_INVALID_ARGUMENT,
                    "malformed gRPC framing: expected one message of " + length + " bytes, got " + (body.readableBytes() - 5)));
            return;
        }
        if (flag == 1 && !compressedAllowed) {
            refuse(ctx, OtlpReceiver.Answer.error(400, OtlpReceiver.RPC_INTERNAL, "compressed message without grpc-encoding"));
            return;
        }
        byte[] message = ByteBufUtil.getBytes(body, 5, body.readableBytes() - 5);
        body.release();
        body = null;
        long held = reserved;
        reserved = 0;
        String contentEncoding = flag == 1 ? "gzip" : null;
        boolean accepted = receiver.dispatch(() -> {
            OtlpReceiver.Answer answer;
            try {
                answer = receiver.export(message, OtlpEncoding.PROTOBUF, contentEncoding);
            } finally {
                receiver.budget().release(held);
            }
            ctx.executor().execute(() -> respond(ctx, answer));
        });
        if (!accepted) {
            receiver.budget().release(held);
            respond(ctx, receiver.overloaded());
        }
    }

    private boolean refuse(ChannelHandlerContext ctx, OtlpReceiver.Answer answer) {
        done = true;
        cancelDeadline();
        releaseBody();
        respond(ctx, answer);
        return false;
    }

    /** A response with the message and {@code grpc-status: 0}, or a trailers-only response with the error. */
    private void respond(ChannelHandlerContext ctx, OtlpReceiver.Answer answer) {
        receiver.record("grpc", answer);
        if (answer.rpcCode() == OtlpReceiver.RPC_OK) {
            byte[] message = answer.body(OtlpEncoding.PROTOBUF);
            ByteBuf frame = ctx.alloc().buffer(5 + message.length);
            frame.writeByte(0).writeInt(message.length).writeBytes(message);
            ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200").set("content-type", GRPC)));
            ctx.write(new DefaultHttp2DataFrame(frame));
            ctx.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().set("grpc-status", "0"), true));
            return;
        }
        Http2Headers trailers = new DefaultHttp2Headers().status("200").set("content-type", GRPC)
                .set("grpc-status", Integer.toString(answer.rpcCode()))
                .set("grpc-message", percentEncode(answer.message()));
        if (answer.retryable()) {
            try {
                byte[] details = OtlpReceiver.statusWithRetryInfo(answer.rpcCode(), answer.message(), receiver.retryAfterSeconds());
                trailers.set("grpc-status-details-bin", Base64.getEncoder().withoutPadding().encodeToString(details));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        ctx.writeAndFlush(new DefaultHttp2HeadersFrame(trailers, true));
    }

    /** The gRPC spec's percent-encoding of grpc-message: UTF-8, bytes outside 0x20-0x7E and '%' as %XX. */
    static String percentEncode(String message) {
        StringBuilder b = new StringBuilder();
        for (byte x : message.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if (c >= 0x20 && c <= 0x7e && c != '%') {
                b.append((char) c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return b.toString();
    }

    private static String str(CharSequence s) {
        return s == null ? null : s.toString();
    }

    private void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    private void releaseBody() {
        if (body != null) {
            body.release();
            body = null;
        }
        if (reserved > 0) {
            receiver.budget().release(reserved);
            reserved = 0;
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    /**
     * Closes a connection that has not opened a stream within {@code read-timeout} of connecting (a client that
     * sends its preface or first headers slowly); stopped by the connection's first stream.
     */
    private static final class FirstStreamDeadline extends ChannelInboundHandlerAdapter {
        private final long timeoutMillis;
        private ScheduledFuture<?> deadline;

        FirstStreamDeadline(long timeoutMillis) {
            this.timeoutMillis = timeoutMillis;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            deadline = ctx.executor().schedule(() -> {
                ctx.close();
            }, timeoutMillis, TimeUnit.MILLISECONDS);
            super.channelActive(ctx);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            streamOpened();
            super.channelInactive(ctx);
        }

        /** Called (on the event loop) by each stream's first headers. */
        void streamOpened() {
            if (deadline != null) {
                deadline.cancel(false);
                deadline = null;
            }
        }
    }
}
