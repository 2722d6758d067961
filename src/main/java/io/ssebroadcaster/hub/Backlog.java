package io.ssebroadcaster.hub;

/**
 * How far behind the writers are, so the hub can refuse new work when the server itself cannot
 * keep up (never because a few clients read slowly: those only fill their own outboxes).
 */
public interface Backlog {

    Backlog NONE = () -> 0;

    /** How long the oldest subscription waiting for a writer has waited, in nanoseconds. */
    long behindNanos();
}
