package io.choreoscope.collectors.otlp;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * First handler of every receiver connection: closes connections beyond {@code max-connections} at once, and closes a
 * connection when the {@code IdleStateHandler} before it reports {@code idle-timeout} without traffic.
 */
final class ConnectionGuard extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);
    private final AtomicInteger open;
    private final int max;
    private boolean counted;

    ConnectionGuard(AtomicInteger open, int max) {
        this.open = open;
        this.max = max;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        counted = true;
        if (open.incrementAndGet() > max) {
            LOG.warn("OTLP receiver: more than {} connections open (choreoscope.otlp.max-connections); closing {}",
                    max, ctx.channel().remoteAddress());
            ctx.close();
            return;
        }
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (counted) {
            counted = false;
            open.decrementAndGet();
        }
        super.channelInactive(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("OTLP connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
