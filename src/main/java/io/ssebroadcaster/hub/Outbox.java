package io.ssebroadcaster.hub;

import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One subscriber's bounded queue of events waiting to be written.
 *
 * <p>The hub {@linkplain #offer offers} events in id order and is told what happened; it never
 * waits. Whoever writes to the client {@linkplain #drainTo takes} everything queued at once, so a
 * client that fell a few events behind gets them in one write. The ring starts small and doubles up
 * to the limit, so an idle subscriber costs a few dozen bytes; the events themselves are shared with
 * every other subscriber.
 */
public final class Outbox {

    /** What {@link #offer} did. */
    public enum Offer {
        /** Queued behind events already waiting: whoever drains them is already on its way. */
        QUEUED,
        /** Queued into an empty outbox: whoever drains it must be told. */
        QUEUED_FIRST,
        /** Not queued: this subscriber already had it (an event reached it through two channels). */
        DUPLICATE,
        /** Not queued: the outbox holds its limit; the subscriber reads slower than events arrive. */
        OVERFLOW,
        /** Not queued: the subscription has ended. */
        CLOSED
    }

    private static final int INITIAL_CAPACITY = 4;
    private static final Event[] NONE = new Event[0];

    private final ReentrantLock lock = new ReentrantLock();
    private final int limit;
    private Event[] ring = NONE;
    private int head;
    private int size;
    private boolean closed;
    /** Touched only by the hub, under its lock: the newest id offered, so repeats are dropped. */
    private EventId lastOffered = EventId.ZERO;
    /** Guarded by {@link #lock}: the replay sent everything up to here (see {@link #skipThrough}). */
    private EventId replayedTo = EventId.ZERO;

    /** @param limit events it may hold before {@link Offer#OVERFLOW} */
    public Outbox(int limit) {
        this.limit = limit;
    }

    /** Called by the hub in event-id order; never blocks on the client. */
    public Offer offer(Event event) {
        if (!event.id().isAfter(lastOffered)) {
            return Offer.DUPLICATE;
        }
        lock.lock();
        try {
            if (closed) {
                return Offer.CLOSED;
            }
            if (!event.id().isAfter(replayedTo)) {
                return Offer.DUPLICATE;
            }
            if (size >= limit) {
                return Offer.OVERFLOW;
            }
            lastOffered = event.id();
            return add(event) ? Offer.QUEUED_FIRST : Offer.QUEUED;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Queues {@code keepAlive} if nothing else is queued (anything queued does as well).
     *
     * @return true when it went into an empty outbox: whoever drains it must be told
     */
    public boolean offerKeepAlive(Event keepAlive) {
        lock.lock();
        try {
            return !closed && size == 0 && add(keepAlive);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The replay, read after the subscriber was registered, sent every event up to {@code id}: drops
     * those that were queued meanwhile and refuses them from now on, so the client gets each once.
     * Called before anything is drained.
     */
    public void skipThrough(EventId id) {
        lock.lock();
        try {
            if (!id.isAfter(replayedTo)) {
                return;
            }
            replayedTo = id;
            int kept = 0;
            for (int i = 0; i < size; i++) {
                int slot = (head + i) % ring.length;
                Event e = ring[slot];
                ring[slot] = null;
                if (e.id().isAfter(id)) {
                    ring[(head + kept) % ring.length] = e;
                    kept++;
                }
            }
            size = kept;
        } finally {
            lock.unlock();
        }
    }

    /** @return true when the outbox was empty; the caller holds the lock */
    private boolean add(Event event) {
        if (size == ring.length) {
            grow();
        }
        ring[(head + size) % ring.length] = event;
        size++;
        return size == 1;
    }

    private void grow() {
        int capacity = ring.length == 0 ? Math.min(INITIAL_CAPACITY, Math.max(1, limit))
                : Math.max(ring.length + 1, Math.min(ring.length * 2, limit));
        Event[] next = new Event[capacity];
        for (int i = 0; i < size; i++) {
            next[i] = ring[(head + i) % ring.length];
        }
        ring = next;
        head = 0;
    }

    /**
     * Moves everything queued into {@code into}, oldest first.
     *
     * @return how many events were moved
     */
    public int drainTo(List<Event> into) {
        lock.lock();
        try {
            int n = size;
            for (int i = 0; i < n; i++) {
                int slot = (head + i) % ring.length;
                into.add(ring[slot]);
                ring[slot] = null;
            }
            head = 0;
            size = 0;
            if (ring.length > INITIAL_CAPACITY * 4) {
                ring = new Event[INITIAL_CAPACITY]; // give back what a burst made us grow to
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    public boolean isEmpty() {
        lock.lock();
        try {
            return size == 0;
        } finally {
            lock.unlock();
        }
    }

    public int size() {
        lock.lock();
        try {
            return size;
        } finally {
            lock.unlock();
        }
    }

    /** Takes nothing more; what is queued stays to be drained (a shutdown writes it out). */
    public void close() {
        lock.lock();
        try {
            closed = true;
        } finally {
            lock.unlock();
        }
    }

    /** Takes nothing more and forgets what is queued (the client is being cut off). */
    public void discard() {
        lock.lock();
        try {
            closed = true;
            ring = new Event[0];
            head = 0;
            size = 0;
        } finally {
            lock.unlock();
        }
    }
}
