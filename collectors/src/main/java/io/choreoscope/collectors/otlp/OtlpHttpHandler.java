package io.choreoscope.collectors.otlp;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * OTLP/HTTP on one connection: reads one request at a time (no reading while a worker decodes it), checks path,
 * method, token, content type and declared length before the body, collects the body within {@code max-body-bytes}
 * and the receiver's byte budget, and answers with what {@link OtlpReceiver#export} decided.
 *
 * <p>The read deadline: from the connection's opening, or from the first byte of a later request on a kept-alive
 * connection, to the request's last byte, at most {@code read-timeout}; past it the client gets 408 and the
 * connection is closed. (A kept-alive connection waiting for its next request is closed by {@code idle-timeout}.)
 * A tiny handler before the HTTP codec tells this one when raw bytes arrive, since the codec passes nothing on
 * until a request's headers are complete. Refused requests
 * whose body is still coming (401, 404, 405, 415, 429) have it read and dropped (bounded by {@code max-body-bytes}),
 * so that the client reads its answer instead of a reset; a 413 closes the connection.
 *
 * <p>Closing after a refusal is a lingering close: the answer is written, the output side shut (the client sees the
 * end of the answer), and whatever the client still sends is read and dropped for at most {@link #LINGER_MILLIS} and
 * {@link #LINGER_BYTES} before the socket is closed. Closing at once with unread bytes in the receive buffer makes
 * the kernel send a reset, which can reach the client before it has read the answer (it then sees no answer at
 * all, only a broken connection).
 */
final class OtlpHttpHandler extends ChannelInboundHandlerAdapter {
    private static final int MAX_INITIAL_LINE = 4096;
    private static final int MAX_HEADERS = 16 * 1024;
    /** How long a refused client's remaining bytes are read and dropped before the connection is closed. */
    static final long LINGER_MILLIS = 2_000;
    /** How many of a refused client's remaining bytes are read and dropped at most before the connection is closed. */
    static final long LINGER_BYTES = 16L * 1024 * 1024;

    private final OtlpReceiver receiver;
    private final int maxBody;
    private ScheduledFuture<?> deadline;
    /** Headers of the request being read, or null between requests. */
    private HttpRequest request;
    private OtlpEncoding encoding;
    private CompositeByteBuf body;
    private long bodyBytes;
    private long reserved;
    /** The answer of a refused request whose body is read and dropped, or null. */
    private OtlpReceiver.Answer refusal;
    private boolean keepAlive;
    /** A request is with a worker: nothing more is read until it is answered. */
    private boolean busy;
    /** The answer is written and the output shut: what still comes in is dropped until the client closes. */
    private boolean lingering;
    private long lingered;

    private OtlpHttpHandler(OtlpReceiver receiver) {
        this.receiver = receiver;
        this.maxBody = receiver.config().getMaxBodyBytes();
    }

    static void configure(ChannelPipeline pipeline, OtlpReceiver receiver, AtomicInteger connections) {
        OtlpConfig config = receiver.config();
        pipeline.addLast(new IdleStateHandler(0, 0, config.getIdleTimeout().toMillis(), TimeUnit.MILLISECONDS));
        pipeline.addLast(new ConnectionGuard(connections, config.getMaxConnections()));
        OtlpHttpHandler handler = new OtlpHttpHandler(receiver);
        pipeline.addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (handler.lingering) {
                    handler.dropLingering(ctx, msg);
                    return;
                }
                handler.bytesArrived();
                ctx.fireChannelRead(msg);
            }
        });
        pipeline.addLast(new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADERS, 64 * 1024));
        pipeline.addLast(handler);
    }

    private ChannelHandlerContext context;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        context = ctx;
    }

    /** Raw bytes came in (on the event loop): a request has begun, so its deadline runs unless it already does. */
    void bytesArrived() {
        if (deadline == null && !busy && context != null) {
            armDeadline(context);
        }
    }

    /** Drops what a refused client still sends (raw bytes, before the codec); closes past {@link #LINGER_BYTES}. */
    void dropLingering(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof io.netty.buffer.ByteBuf b) {
            lingered += b.readableBytes();
        }
        ReferenceCountUtil.release(msg);
        if (lingered > LINGER_BYTES) {
            ctx.close();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        armDeadline(ctx);
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancelDeadline();
        releaseBody();
        super.channelInactive(ctx);
    }

    private void armDeadline(ChannelHandlerContext ctx) {
        cancelDeadline();
        deadline = ctx.executor().schedule(() -> {
            deadline = null;
            if (busy || !ctx.channel().isActive()) {
                return;
            }
            answer(ctx, OtlpReceiver.Answer.error(408, OtlpReceiver.RPC_DEADLINE_EXCEEDED, "request not received within "
                    + receiver.config().getReadTimeout().toMillis() + " ms (choreoscope.otlp.read-timeout)"), true);
        }, receiver.config().getReadTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (busy) {
                return; // pipelined bytes while a request is being worked on: autoRead is off, so few; dropped
            }
            if (msg instanceof HttpRequest r) {
                if (r.decoderResult().isFailure()) {
                    answer(ctx, OtlpReceiver.Answer.error(400, OtlpReceiver.RPC_INVALID_ARGUMENT,
                            "malformed HTTP request: " + r.decoderResult().cause().getMessage()), true);
                    return;
                }
                begin(ctx, r);
            }
            if (msg instanceof HttpContent c && request != null) {
                content(ctx, c);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void begin(ChannelHandlerContext ctx, HttpRequest r) {
        request = r;
        keepAlive = HttpUtil.isKeepAlive(r);
        bodyBytes = 0;
        encoding = OtlpEncoding.fromContentType(r.headers().get(HttpHeaderNames.CONTENT_TYPE));
        String path = new QueryStringDecoder(r.uri()).path();
        if (!OtlpReceiver.TRACES_PATH.equals(path) && !(OtlpReceiver.TRACES_PATH + "/").equals(path)) {
            refusal = OtlpReceiver.Answer.error(404, OtlpReceiver.RPC_NOT_FOUND, "no such path " + path
                    + "; OTLP traces go to " + OtlpReceiver.TRACES_PATH);
        } else if (!HttpMethod.POST.equals(r.method())) {
            refusal = OtlpReceiver.Answer.error(405, OtlpReceiver.RPC_UNIMPLEMENTED, OtlpReceiver.TRACES_PATH + " takes POST only");
        } else if (!receiver.authorized(r.headers().get(HttpHeaderNames.AUTHORIZATION), r.headers().get("X-API-Key"))) {
            refusal = OtlpReceiver.unauthenticated();
        } else if (encoding == null) {
            refusal = OtlpReceiver.Answer.error(415, OtlpReceiver.RPC_INVALID_ARGUMENT, "unsupported Content-Type '"
                    + r.headers().get(HttpHeaderNames.CONTENT_TYPE) + "': use application/x-protobuf or application/json");
        } else {
            long declared = HttpUtil.getContentLength(r, -1L);
            if (declared > maxBody) {
                answer(ctx, receiver.tooLarge("body of " + declared + " bytes"), true);
                return;
            }
            if (declared > 0) {
                if (!receiver.budget().tryReserve(declared)) {
                    refusal = receiver.overBudget();
                } else {
                    reserved = declared;
                }
            }
            if (refusal == null) {
                body = ctx.alloc().compositeBuffer(Integer.MAX_VALUE);
                if (HttpUtil.is100ContinueExpected(r)) {
                    ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
                }
            }
        }
        if (refusal != null && HttpUtil.is100ContinueExpected(r)) {
            // The client waits for 100 before sending its body: answer now, it will not send the body.
            answer(ctx, refusal, true);
        }
    }

    private void content(ChannelHandlerContext ctx, HttpContent c) {
        int n = c.content().readableBytes();
        bodyBytes += n;
        boolean last = c instanceof LastHttpContent;
        if (refusal != null) {
            if (bodyBytes > maxBody) {
                answer(ctx, refusal, true); // not worth reading further
            } else if (last) {
                answer(ctx, refusal, false);
            }
            return;
        }
        if (bodyBytes > maxBody) {
            answer(ctx, receiver.tooLarge("body"), true);
            return;
        }
        if (bodyBytes > reserved) { // chunked, or longer than declared: reserve as it comes
            long more = bodyBytes - reserved;
            if (!receiver.budget().tryReserve(more)) {
                answer(ctx, receiver.overBudget(), true);
                return;
            }
            reserved += more;
        }
        if (n > 0) {
            body.addComponent(true, c.content().retain());
        }
        if (last) {
            dispatch(ctx);
        }
    }

    private void dispatch(ChannelHandlerContext ctx) {
        cancelDeadline();
        busy = true;
        ctx.channel().config().setAutoRead(false);
        byte[] bytes = ByteBufUtil.getBytes(body);
        body.release();
        body = null;
        long held = reserved;
        reserved = 0;
        OtlpEncoding enc = encoding;
        String contentEncoding = request.headers().get(HttpHeaderNames.CONTENT_ENCODING);
        boolean accepted = receiver.dispatch(() -> {
            OtlpReceiver.Answer answer;
            try {
                answer = receiver.export(bytes, enc, contentEncoding);
            } finally {
                receiver.budget().release(held);
            }
            ctx.executor().execute(() -> answer(ctx, answer, false));
        });
        if (!accepted) {
            receiver.budget().release(held);
            answer(ctx, receiver.overloaded(), false);
        }
    }

    /** Writes the answer, then reads the next request, or closes when asked, when 1.0/close, or after a refusal mid-body. */
    private void answer(ChannelHandlerContext ctx, OtlpReceiver.Answer answer, boolean close) {
        cancelDeadline();
        releaseBody();
        receiver.record("http", answer);
        OtlpEncoding enc = encoding == null ? OtlpEncoding.PROTOBUF : encoding;
        byte[] bytes = answer.body(enc);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(answer.httpStatus()), Unpooled.wrappedBuffer(bytes));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, enc.contentType());
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        if (answer.retryable()) {
            response.headers().setInt(HttpHeaderNames.RETRY_AFTER, receiver.retryAfterSeconds());
        }
        if (answer.httpStatus() == 401) {
            response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"choreoscope-otlp\"");
        }
        if (answer.httpStatus() == 405) {
            response.headers().set(HttpHeaderNames.ALLOW, "POST");
        }
        boolean closeAfter = close || !keepAlive;
        if (closeAfter) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        request = null;
        refusal = null;
        encoding = null;
        bodyBytes = 0;
        if (closeAfter) {
            busy = true; // nothing more reaches this handler
            if (!close || !(ctx.channel() instanceof DuplexChannel duplex)) {
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            lingering = true; // refused: the client may still be sending its request
            ctx.writeAndFlush(response).addListener(f -> {
                if (!f.isSuccess()) {
                    ctx.close();
                    return;
                }
                duplex.shutdownOutput().addListener(s -> {
                    if (!s.isSuccess()) {
                        ctx.close();
                        return;
                    }
                    ctx.executor().schedule(() -> { ctx.close(); }, LINGER_MILLIS, TimeUnit.MILLISECONDS);
                    ctx.channel().config().setAutoRead(true);
                    ctx.read();
                });
            });
            return;
        }
        ctx.writeAndFlush(response).addListener(f -> {
            if (!f.isSuccess()) {
                ctx.close();
                return;
            }
            busy = false;
            ctx.channel().config().setAutoRead(true);
            ctx.read();
        });
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
}
