package io.ssebroadcaster.hub;

import java.util.function.LongSupplier;

/**
 * Issues strictly increasing ids from the wall clock; several ids in the same millisecond (or a
 * clock that steps back) continue the sequence of the last one.
 */
public final class EventIdGenerator {

    private final LongSupplier clock;
    private EventId last;

    public EventIdGenerator(LongSupplier clock) {
        this.clock = clock;
        this.last = new EventId(clock.getAsLong(), 0);
    }

    public EventIdGenerator() {
        this(System::currentTimeMillis);
    }

    /** The id issued last (at construction: the start time), used as the history's starting floor. */
    public synchronized EventId last() {
        return last;
    }

    public synchronized EventId next() {
        long now = clock.getAsLong();
        last = now > last.millis() ? new EventId(now, 0) : last.successor();
        return last;
    }
}
