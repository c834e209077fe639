package io.choreoscope.ui.client;

/** A live-stream subscription; closing it stops the calls. Closing twice is harmless. */
public interface LiveSubscription extends AutoCloseable {
    @Override
    void close();
}
