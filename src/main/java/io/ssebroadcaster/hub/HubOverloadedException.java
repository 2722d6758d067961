package io.ssebroadcaster.hub;

/** Publishes arrive faster than fan-out can hand them out; the publisher should retry later. */
public final class HubOverloadedException extends RuntimeException {
    public HubOverloadedException(long backlog) {
        super("server is busy: " + backlog + " events or subscribers waiting for fan-out; retry shortly");
    }
}
