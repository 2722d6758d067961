package io.ssebroadcaster.hub;

/** The hub is shutting down: it takes no more publishes or subscriptions. */
public final class HubClosedException extends RuntimeException {
    public HubClosedException() {
        super("server is shutting down; retry on another node", null, false, false);
    }
}
