package io.choreoscope.ui.client;

import io.choreoscope.model.api.LiveUpdate;

/** Receives the live stream. Called on a background thread: use {@code UI.access} to touch components. */
public interface LiveListener {

    /** One message (heartbeats included). */
    void onUpdate(LiveUpdate update);

    /** The stream connected ({@code true}) or was lost and is being retried ({@code false}). */
    default void onConnectionChanged(boolean connected) {
    }
}
