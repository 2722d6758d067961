package io.ssebroadcaster.hub;

/** Publishes arrive faster than the subscribers' writers can send them; the publisher should retry later. */
public final class HubOverloadedException extends RuntimeException {
    public HubOverloadedException(long lagging) {
        super("server is busy: " + lagging + " subscribers have half-full outboxes; retry shortly");
    }
}
