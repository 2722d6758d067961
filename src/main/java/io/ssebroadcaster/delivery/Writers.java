package io.ssebroadcaster.delivery;

import io.ssebroadcaster.hub.Backlog;
import io.ssebroadcaster.hub.Event;
import io.ssebroadcaster.hub.RateLimitedWarning;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The platform threads that write pushed streams' events to their sockets, and the watchdog that
 * keeps a client that stopped reading from holding anyone else up.
 *
 * <p>Why not a virtual thread per stream: waking one per event costs more than the socket write
 * itself on this kind of machine, and a handful of platform threads, one per core, write to idle
 * sockets directly. A stream is always written by the same slot (its id picks it), so its events
 * stay in order; what arrives while it waits for its turn leaves in the same write.
 *
 * <p>A socket write blocks when the client stops reading. The watchdog notices a write that has
 * taken longer than {@link #STALL} and gives that writer's slot a fresh thread, so the other
 * streams are not held up; the stalled thread stays with its one client until the write completes
 * or the client is cut off (its outbox overflows, or {@link #WRITE_TIMEOUT} passes). At most
 * {@link #MAX_STALLED} threads wait on stalled clients; beyond that a stalled client is cut off at
 * once. Streams that write on their own thread (HTTP/2) register their writes for the same timeout.
 *
 * <p>How long the oldest stream in any line has waited is the server's own backlog: stalled clients
 * are not in a line, so only a server that cannot keep up makes it grow.
 */
final class Writers implements Backlog, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Writers.class.getName());

    /**
     * A write taking longer than this is treated as blocked on the client. Clients that stop reading
     * together are found one after another, each holding its line up this long (10 of them on two
     * lines: about 100 ms at 20 ms, enough at 50 ms for a healthy reader at 500 events/s to overflow a
     * 200-event outbox); healthy writes on loopback take well under a millisecond.
     */
    static final long STALL = TimeUnit.MILLISECONDS.toNanos(20);
    /** A write blocked this long cuts the client off even when its outbox has room. */
    static final long WRITE_TIMEOUT = TimeUnit.SECONDS.toNanos(30);
    /**
     * Threads that may wait on stalled clients at once. Generous, because at 20 ms a client that is
     * merely slow under load (at shutdown, 1,000 streams written at once) also counts for a moment,
     * and at the cap a newly stalled client is cut off; a parked platform thread costs little.
     */
    static final int MAX_STALLED = 256;
    private static final long WATCH_EVERY = TimeUnit.MILLISECONDS.toNanos(5);

    /** A write that happens on its transport's own thread, watched for the same timeout. */
    interface TimedWrite {
        /** When the write in progress started, or 0 when none is. */
        long writingSince();

        /** The write has blocked longer than {@link #WRITE_TIMEOUT}: cut the client off. */
        void timedOut();
    }

    private final LongSupplier clock;
    private final Slot[] slots;
    private final AtomicInteger stalled = new AtomicInteger();
    private final List<Writer> stalledWriters = new CopyOnWriteArrayList<>();
    private final Set<TimedWrite> timedWrites = ConcurrentHashMap.newKeySet();
    private final Thread watchdog;
    private final RateLimitedWarning tooManyStalled = new RateLimitedWarning(LOG);
    private volatile boolean closed;
    /** The backlog as of the watchdog's last look. */
    private volatile long behind;

    Writers(int threads) {
        this(threads, System::nanoTime, true);
    }

    /**
     * @param clock    nanoseconds, for stall and timeout decisions
     * @param watchdog false to leave {@link #watchOnce} to the caller (tests)
     */
    Writers(int threads, LongSupplier clock, boolean watchdog) {
        this.clock = clock;
        slots = new Slot[threads];
        for (int i = 0; i < threads; i++) {
            slots[i] = new Slot(i);
            slots[i].startWriter();
        }
        this.watchdog = watchdog ? Thread.ofPlatform().name("sse-write-watchdog").daemon().start(this::watch) : null;
    }

    long now() {
        return clock.getAsLong();
    }

    /** Queues a stream that has something to write; the stream guarantees it is not already queued. */
    void schedule(PushedStream stream) {
        slots[(int) Math.floorMod(stream.id(), (long) slots.length)].add(stream);
    }

    void track(TimedWrite write) {
        timedWrites.add(write);
    }

    void untrack(TimedWrite write) {
        timedWrites.remove(write);
    }

    int stalledWriters() {
        return stalled.get();
    }

    /**
     * As of the watchdog's last look (every 5 ms): read on every publish, so it must cost a volatile
     * read, not a look into each line (contended with the writers).
     */
    @Override
    public long behindNanos() {
        return behind;
    }

    /** How long the oldest stream in any line has waited, now. */
    private long measureBacklog(long now) {
        long longest = 0;
        for (Slot slot : slots) {
            PushedStream first = slot.ready.peek();
            if (first != null) {
                longest = Math.max(longest, now - first.scheduledAt());
            }
        }
        return longest;
    }

    private final class Slot {
        private final int index;
        private final ConcurrentLinkedQueue<PushedStream> ready = new ConcurrentLinkedQueue<>();
        private volatile Writer writer;
        private int generation;

        Slot(int index) {
            this.index = index;
        }

        void startWriter() {
            Writer w = new Writer(this);
            writer = w;
            w.thread = Thread.ofPlatform().name("sse-writer-" + index + "." + generation++).daemon().start(w);
        }

        void add(PushedStream stream) {
            ready.add(stream);
            Writer w = writer;
            if (w.sleeping) {
                w.sleeping = false;
                LockSupport.unpark(w.thread);
            }
        }
    }

    private final class Writer implements Runnable {
        private final Slot slot;
        private final byte[] scratch = new byte[EventBatch.COALESCE_LIMIT];
        private final List<Event> batch = new ArrayList<>();
        volatile Thread thread;
        volatile boolean sleeping;
        /** Set by the watchdog: another thread serves the slot now; this one finishes its write and leaves. */
        volatile boolean retired;
        /** The stream being written and since when. */
        volatile PushedStream writing;
        volatile long writingSince;

        Writer(Slot slot) {
            this.slot = slot;
        }

        @Override
        public void run() {
            while (!closed && !retired) {
                PushedStream stream = slot.ready.poll();
                if (stream == null) {
                    sleeping = true;
                    stream = slot.ready.poll();
                    if (stream == null) {
                        LockSupport.park(this);
                        sleeping = false;
                        continue;
                    }
                    sleeping = false;
                }
                serve(stream);
            }
            if (retired) {
                stalled.decrementAndGet();
                stalledWriters.remove(this);
            }
        }

        private void serve(PushedStream stream) {
            boolean last = stream.takeBatch(batch);
            if (!batch.isEmpty()) {
                try {
                    writingSince = now();
                    writing = stream;
                    EventBatch.write(stream.outlet(), batch, scratch);
                    stream.written(last);
                } catch (IOException | RuntimeException e) {
                    // the client went away, or was cut off while we were blocked on it
                    stream.failed();
                } finally {
                    writing = null;
                    batch.clear();
                }
            }
            if (stream.release()) {
                slot.add(stream); // more arrived meanwhile: back of the line, so every client gets its turn
            }
        }
    }

    private void watch() {
        while (!closed) {
            LockSupport.parkNanos(WATCH_EVERY);
            try {
                watchOnce();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "write watchdog", e);
            }
        }
    }

    /**
     * One look at every write in progress: moves stalled ones aside, cuts off those blocked too long;
     * and at the lines, for the backlog.
     */
    void watchOnce() {
        long now = now();
        behind = measureBacklog(now);
        for (Slot slot : slots) {
            Writer w = slot.writer;
            PushedStream stream = w.writing;
            if (stream != null && now - w.writingSince > STALL) {
                if (stalled.get() < MAX_STALLED) {
                    LOG.fine(() -> "a write to " + stream + " is blocked; its writer's other clients move to a new thread");
                    stalled.incrementAndGet();
                    stalledWriters.add(w);
                    w.retired = true;
                    slot.startWriter();
                    LockSupport.unpark(w.thread);
                } else {
                    tooManyStalled.warn(() -> "cutting off " + stream + ": its write is blocked and " + MAX_STALLED
                            + " writers already wait on stalled clients");
                    stream.cutOff();
                }
            }
        }
        for (Writer w : stalledWriters) {
            PushedStream stream = w.writing;
            if (stream != null && now - w.writingSince > WRITE_TIMEOUT) {
                stream.cutOff();
            }
        }
        for (TimedWrite write : timedWrites) {
            long since = write.writingSince();
            if (since != 0 && now - since > WRITE_TIMEOUT) {
                write.timedOut();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Slot slot : slots) {
            LockSupport.unpark(slot.writer.thread);
        }
        if (watchdog != null) {
            watchdog.interrupt();
        }
        for (Slot slot : slots) {
            try {
                slot.writer.thread.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
