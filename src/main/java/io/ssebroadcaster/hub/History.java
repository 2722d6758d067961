package io.ssebroadcaster.hub;

import java.util.List;
import java.util.Map;

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
    default Replay after(List<String> channels, EventId after) {
        return after(channels, after, null, ReplayLimit.NONE);
    }

    /**
     * The kept events on {@code channels} (names or patterns) with ids after {@code after} and not
     * after {@code upTo}, oldest first, each once; within {@code limit}, keeping the newest (a replay
     * cut by the limit is {@linkplain Replay#truncated truncated}). Never holds much more than the
     * limit in memory at once, and is called without the hub's lock, so it may take its time.
     *
     * @param upTo the newest id the hub had delivered when the subscriber was registered (null: no
     *             bound): everything the hub delivers after that reaches the subscriber live. A history
     *             whose events do not all pass through this hub (Redis) reads further, up to a point
     *             of its own after which every event on these channels reaches this hub live.
     */
    Replay after(List<String> channels, EventId after, EventId upTo, ReplayLimit limit);

    /**
     * Where each channel keeps its own order (Redis Cluster): the kept events on each channel with ids
     * after its own in {@code after} and not after its own in {@code upTo}, oldest first by id (ids of
     * different channels compare only roughly), within {@code limit}, keeping the newest.
     */
    default Replay after(Map<String, EventId> after, Map<String, EventId> upTo, ReplayLimit limit) {
        throw new UnsupportedOperationException("this history keeps one order for all channels");
    }

    /** Drops what has outlived its time to live; called periodically. */
    void expire(long nowMillis);

    /** Number of events currently kept. */
    int size();

    /**
     * The events a reconnecting client missed.
     *
     * @param events    oldest first
     * @param truncated true when events after the client's id may have been dropped from history
     *                  before it came back, or left out by the replay's limit, so {@code events} may
     *                  have a gap at its start
     */
    record Replay(List<Event> events, boolean truncated) {
        public static final Replay NONE = new Replay(List.of(), false);
    }
}
