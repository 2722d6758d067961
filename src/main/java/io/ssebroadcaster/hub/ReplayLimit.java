package io.ssebroadcaster.hub;

/**
 * How much one replay may carry: at most {@code maxEvents} events and {@code maxBytes} of their wire
 * form. A replay that would carry more keeps its newest part (so it still ends where live delivery
 * takes over) and says it is truncated.
 *
 * @param maxEvents at least 1
 * @param maxBytes  at least 1; an event bigger than this is never replayed
 */
public record ReplayLimit(int maxEvents, long maxBytes) {

    /** For callers that bound what they read some other way (tests, the catch-up after a reconnect). */
    public static final ReplayLimit NONE = new ReplayLimit(Integer.MAX_VALUE, Long.MAX_VALUE);

    public ReplayLimit {
        if (maxEvents < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("a replay limit must allow something");
        }
    }
}
