package io.ssebroadcaster.hub;

import java.util.List;

/**
 * What the hub needs of a message history: keep what was delivered, and answer "what did a client
 * that last saw {@code after} miss on these channels". Implementations bound what they keep.
 */
public interface History {

    /** Called in event-id order, before the event is fanned out. */
    void append(Event event);

    /**
     * Every kept event on {@code channels} (names or patterns) with an id after {@code after},
     * oldest first, each once.
     */
    Replay after(List<String> channels, EventId after);

    /** Drops what has outlived its time to live; called periodically. */
    void expire(long nowMillis);

    /** Number of events currently kept. */
    int size();

    /**
     * The events a reconnecting client missed.
     *
     * @param events    oldest first
     * @param truncated true when events after the client's id may have been dropped from history
     *                  before it came back, so {@code events} may have a gap at its start
     */
    record Replay(List<Event> events, boolean truncated) {
        public static final Replay NONE = new Replay(List.of(), false);
    }
}
