package io.choreoscope.http;

import java.util.function.Function;

import io.choreoscope.model.Cancellation;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.server.netty.NettyHttpRequest;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;

/**
 * Ties a long read to the HTTP connection that asked for it: when the client disconnects before the answer is sent
 * (a closed browser tab, a client timeout, Ctrl-C on curl), the {@link Cancellation} handed to the read is cancelled,
 * so the storage stops the work (e.g. kills the ClickHouse query) rather than finishing it for nobody.
 */
public final class ClientDisconnect {
    private ClientDisconnect() {
    }

    /**
     * Runs {@code read} with a cancellation that fires when {@code request}'s connection closes while it runs. Requests
     * that do not come over a Netty channel (none in this server) run with a cancellation that never fires.
     */
    public static <T> T cancelOnDisconnect(HttpRequest<?> request, Function<Cancellation, T> read) {
        Cancellation cancel = new Cancellation();
        Channel channel = request instanceof NettyHttpRequest<?> n ? n.getChannelHandlerContext().channel() : null;
        if (channel == null) {
            return read.apply(cancel);
        }
        ChannelFutureListener onClose = f -> cancel.cancel();
        // Keep-alive connections serve many requests: the listener is removed when this one is done.
        channel.closeFuture().addListener(onClose);
        try {
            return read.apply(cancel);
        } finally {
            channel.closeFuture().removeListener(onClose);
        }
    }
}
