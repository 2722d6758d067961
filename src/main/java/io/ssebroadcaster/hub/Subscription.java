package io.ssebroadcaster.hub;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * One client's interest in a set of channels, with its bounded outbox.
 *
 * <p>The fan-out thread {@linkplain #offer offers} events and never blocks: when the outbox
 * already holds {@code limit} events the subscription ends as {@link EndReason#SLOW} instead, and
 * the client catches up through {@code Last-Event-ID} on its next connection. The transport's own
 * thread {@linkplain #awaitBatch takes} everything queued in one go, so a client that fell a few
 * events behind gets them in one write.
 *
 * <p>Two ways out of the outbox. A transport that keeps a thread per client (long polls, HTTP/2)
 * pulls with {@link #awaitBatch}. A plain HTTP/1 stream {@linkplain #attach attaches} its socket
 * instead, and the hub's {@link Writers} push to it: a subscription with something queued is put
 * in its writer's line once, and everything queued by its turn leaves in one write.
 *
 * <p>The outbox starts small and doubles up to the limit, so an idle subscription costs a few
 * dozen bytes; the events themselves are shared with every other subscriber.
 */
public final class Subscription {

    public enum Transport { STREAM, POLL }

    public enum EndReason {
        /** The client went away or the transport finished normally. */
        CLOSED,
        /** The outbox overflowed: the client reads slower than events arrive. */
        SLOW,
        /** The server is shutting down. */
        SHUTDOWN,
        /** The client's token expired. */
        EXPIRED
    }

    /** Queued like an event so heartbeats share the writer's single path; never counted or replayed. */
    public static final Event HEARTBEAT = new Event(EventId.ZERO, List.of(), null, "",
            ": ping\n\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));

    private static final AtomicLong IDS = new AtomicLong();
    private static final int INITIAL_CAPACITY = 4;

    private final long id = IDS.incrementAndGet();
    private final List<String> channels;
    private final Transport transport;
    private final int limit;
    private final Consumer<Subscription> onEnd;
    /** Null for subscriptions that are only ever pulled. */
    private final Writers writers;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition nonEmpty = lock.newCondition();
    private Event[] ring = new Event[INITIAL_CAPACITY];
    private int head;
    private int size;
    /** Set (guarded by lock) once the transport hands its socket over; until then events wait here. */
    private Outlet outlet;
    /** Guarded by lock: in a writer's line or being written, so it is never queued twice. */
    private boolean scheduled;

    private final AtomicReference<EndReason> ended = new AtomicReference<>();
    private volatile Runnable endHook = () -> { };
    private volatile long lastWriteNanos = System.nanoTime();
    private volatile Instant expiresAt;
    /** The transport thread parked in {@link #awaitEnd()}, if any. */
    private volatile Thread endWaiter;

    /** Touched only by the fan-out thread: drops an event reached through two of our channels. */
    private EventId lastOffered;

    /** How many of the hub's subscriptions hold at least {@link #lagMark} events: its measure of load. */
    private final LongAdder lagging;
    private final int lagMark;

    Subscription(List<String> channels, Transport transport, int limit, EventId replayedTo,
                 Consumer<Subscription> onEnd, LongAdder lagging) {
        this(channels, transport, limit, replayedTo, onEnd, lagging, null);
    }

    Subscription(List<String> channels, Transport transport, int limit, EventId replayedTo,
                 Consumer<Subscription> onEnd, LongAdder lagging, Writers writers) {
        this.writers = writers;
        this.lagging = lagging;
        this.lagMark = Math.max(1, limit / 2);
        this.lastOffered = replayedTo;
        this.channels = List.copyOf(channels);
        this.transport = transport;
        this.limit = limit;
        this.onEnd = onEnd;
    }

    public long id() {
        return id;
    }

    public List<String> channels() {
        return channels;
    }

    public Transport transport() {
        return transport;
    }

    /** Null while open; then why it ended. */
    public EndReason endReason() {
        return ended.get();
    }

    /**
     * Runs when the subscription ends for any reason, on the thread that ended it: a transport uses
     * it to release a writer blocked on a client that stopped reading.
     */
    public void onEnd(Runnable hook) {
        this.endHook = hook;
        if (ended.get() != null) {
            hook.run();
        }
    }

    /**
     * Called by the fan-out thread, in event-id order. Never blocks on the client.
     *
     * @return true when the event was queued for this client
     */
    boolean offer(Event event) {
        if (!event.id().isAfter(lastOffered) || ended.get() != null) {
            return false;
        }
        lastOffered = event.id();
        if (!enqueue(event, true)) {
            end(EndReason.SLOW);
            return false;
        }
        return true;
    }

    /** Queues a heartbeat if the client has not been written to since {@code idleSinceNanos}. */
    void heartbeatIfIdleSince(long idleSinceNanos) {
        if (lastWriteNanos - idleSinceNanos < 0) {
            enqueue(HEARTBEAT, false);
        }
    }

    private boolean enqueue(Event event, boolean counted) {
        if (ended.get() != null) {
            return true;
        }
        boolean schedule = false;
        lock.lock();
        try {
            if (counted && size >= limit) {
                return false;
            }
            if (!counted && size > 0) {
                return true; // something is queued already; it will do as a heartbeat
            }
            if (size == ring.length) {
                grow();
            }
            ring[(head + size) % ring.length] = event;
            size++;
            if (counted && size == lagMark) {
                lagging.increment();
            }
            if (outlet != null) {
                schedule = !scheduled;
                scheduled = true;
            } else if (size == 1) {
                nonEmpty.signal();
            }
            return true;
        } finally {
            lock.unlock();
            if (schedule) {
                writers.schedule(this);
            }
        }
    }

    /**
     * Hands the client's connection over once the transport has written the response head and the
     * replay: from now on the hub's writers push to it, and whatever queued meanwhile goes first.
     * The transport's thread then only {@linkplain #awaitEnd waits for the end}.
     */
    public void attach(Outlet out) {
        if (writers == null) {
            throw new IllegalStateException("this subscription is pulled, not pushed");
        }
        boolean schedule;
        lock.lock();
        try {
            outlet = out;
            schedule = size > 0 && !scheduled;
            scheduled |= schedule;
        } finally {
            lock.unlock();
        }
        if (schedule) {
            writers.schedule(this);
        }
    }

    /**
     * For its writer: moves what is queued into {@code into}.
     *
     * @return where to write it, or null when there is nothing (left) to write
     */
    Outlet takeForWrite(List<Event> into) {
        lock.lock();
        try {
            EndReason reason = ended.get();
            if (size == 0 || reason != null && reason != EndReason.SHUTDOWN) {
                scheduled = false;
                if (reason != null) {
                    signalEnd(); // the transport in awaitEnd waits for the last write
                }
                return null;
            }
            drainTo(into);
            return outlet;
        } finally {
            lock.unlock();
        }
    }

    /** For its writer, after a write: true when more was queued meanwhile and it must stay in line. */
    boolean stillScheduled() {
        lock.lock();
        try {
            EndReason reason = ended.get();
            if (size > 0 && (reason == null || reason == EndReason.SHUTDOWN)) {
                return true;
            }
            scheduled = false;
            if (reason != null) {
                signalEnd(); // only then is the transport in awaitEnd waiting for us
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    /**
     * For a pushed subscription's transport thread: returns once the subscription has ended and,
     * at shutdown, once what was queued before has been written (or the thread is interrupted).
     *
     * <p>It parks the thread directly rather than on the lock's condition: an idle stream's cost is
     * mostly its parked stack, and the condition's frames added about 700 bytes to each.
     */
    public void awaitEnd() {
        endWaiter = Thread.currentThread();
        try {
            while (!finished() && !Thread.currentThread().isInterrupted()) {
                LockSupport.park(this);
            }
        } finally {
            endWaiter = null;
        }
    }

    private boolean finished() {
        lock.lock();
        try {
            return finishedLocked();
        } finally {
            lock.unlock();
        }
    }

    /** Ended, and at shutdown also written out; the caller holds the lock. */
    private boolean finishedLocked() {
        EndReason reason = ended.get();
        return reason != null && (reason != EndReason.SHUTDOWN || size == 0 && !scheduled);
    }

    /** Wakes whoever waits for the end; the caller holds the lock. */
    private void signalEnd() {
        nonEmpty.signalAll();
        Thread waiter = endWaiter;
        if (waiter != null) {
            LockSupport.unpark(waiter);
        }
    }

    /** As {@link #awaitEnd()}, for another thread (the hub at shutdown), giving up after {@code timeout}. */
    void awaitEnd(java.time.Duration timeout) {
        long nanos = timeout.toNanos();
        lock.lock();
        try {
            while (!finishedLocked() && nanos > 0) {
                nanos = nonEmpty.awaitNanos(nanos);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    private void grow() {
        int capacity = Math.max(ring.length + 1, Math.min(ring.length * 2, limit));
        Event[] next = new Event[capacity];
        for (int i = 0; i < size; i++) {
            next[i] = ring[(head + i) % ring.length];
        }
        ring = next;
        head = 0;
    }

    /**
     * Waits until something is queued, then moves all of it into {@code into}.
     *
     * @return false once the subscription has ended (nothing more will come), true otherwise;
     *         on timeout returns true with {@code into} left empty
     */
    public boolean awaitBatch(List<Event> into, long timeout, TimeUnit unit) {
        return take(into, unit.toNanos(timeout));
    }

    /** As {@link #awaitBatch(List, long, TimeUnit)}, without a time limit. */
    public boolean awaitBatch(List<Event> into) {
        return take(into, Long.MAX_VALUE);
    }

    /** {@code Long.MAX_VALUE} nanos waits untimed: a timed park costs a scheduler timer per wake-up. */
    private boolean take(List<Event> into, long nanos) {
        lock.lock();
        try {
            while (size == 0) {
                if (ended.get() != null) {
                    return false;
                }
                if (nanos <= 0) {
                    return true;
                }
                if (nanos == Long.MAX_VALUE) {
                    nonEmpty.await();
                } else {
                    nanos = nonEmpty.awaitNanos(nanos);
                }
            }
            // At shutdown, what was accepted before is still handed over; any other end drops it
            EndReason reason = ended.get();
            if (reason != null && reason != EndReason.SHUTDOWN) {
                return false;
            }
            drainTo(into);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** Moves everything queued into {@code into}; the caller holds the lock. */
    private void drainTo(List<Event> into) {
        for (int i = 0; i < size; i++) {
            int slot = (head + i) % ring.length;
            into.add(ring[slot]);
            ring[slot] = null;
        }
        if (size >= lagMark) {
            lagging.decrement();
        }
        head = 0;
        size = 0;
        if (ring.length > INITIAL_CAPACITY * 4) {
            ring = new Event[INITIAL_CAPACITY]; // give back what a burst made us grow to
        }
    }

    void expiresAt(Instant when) {
        this.expiresAt = when;
    }

    boolean expiredAt(Instant now) {
        Instant e = expiresAt;
        return e != null && !now.isBefore(e);
    }

    /** The transport reports each successful write, so heartbeats go only to idle clients. */
    public void markWritten() {
        lastWriteNanos = System.nanoTime();
    }

    /** Ends the subscription once; later calls do nothing. */
    public void end(EndReason reason) {
        if (!ended.compareAndSet(null, reason)) {
            return;
        }
        boolean schedule = false;
        lock.lock();
        try {
            signalEnd();
            if (reason == EndReason.SHUTDOWN && outlet != null && size > 0 && !scheduled) {
                scheduled = true; // what was accepted before shutdown is still written
                schedule = true;
            }
            if (reason != EndReason.SHUTDOWN) {
                // never taken now (at shutdown the writer still takes them)
                if (size >= lagMark) {
                    lagging.decrement();
                }
                size = 0;
                ring = new Event[0];
            }
        } finally {
            lock.unlock();
        }
        if (schedule) {
            writers.schedule(this);
        }
        onEnd.accept(this);
        endHook.run();
    }

    @Override
    public String toString() {
        return "Subscription[" + id + " " + transport + " " + channels + "]";
    }
}
