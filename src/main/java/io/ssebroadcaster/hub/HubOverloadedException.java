package io.ssebroadcaster.hub;

/** Publishes arrive faster than fan-out can hand them out; the publisher should retry later. */
public final class HubOverloadedException extends RuntimeException {
    public HubOverloadedException(int pending) {
        super("server is busy: " + pending + " events waiting for fan-out; retry shortly");
    }
}
