package io.ssebroadcaster.hub;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The platform threads that write pushed subscriptions' events to their sockets.
 *
 * <p>Why not a virtual thread per stream: waking one per event costs more than the socket write
 * itself on this kind of machine, and a handful of platform threads, one per core, write to idle
 * sockets directly. A subscription is always written by the same slot (its id picks it), so its
 * events stay in order; what arrives while it waits for its turn is coalesced into one write.
 *
 * <p>A socket write blocks when the client stops reading. A watchdog notices a write that has
 * taken longer than {@link #STALL} and gives that writer's slot a fresh thread, so the other
 * subscribers are not held up; the stalled thread stays with its one client until the write
 * completes or the client is cut off (its outbox overflows, or {@link #WRITE_TIMEOUT} passes).
 * At most {@link #MAX_STALLED} threads wait on stalled clients; beyond that a stalled client is
 * cut off at once.
 */
final class Writers implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Writers.class.getName());

    /** A write taking longer than this is treated as blocked on the client. */
    static final long STALL = TimeUnit.MILLISECONDS.toNanos(50);
    /** A write blocked this long cuts the client off even when its outbox has room. */
    static final long WRITE_TIMEOUT = TimeUnit.SECONDS.toNanos(30);
    static final int MAX_STALLED = 64;
    /** Queued events are copied into one buffer of this size per write; bigger events go alone. */
    private static final int SCRATCH_BYTES = 64 * 1024;

    private final Slot[] slots;
    private final AtomicInteger stalled = new AtomicInteger();
    private final List<Writer> stalledWriters = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Thread watchdog;
    private volatile boolean closed;

    Writers(int threads) {
        slots = new Slot[threads];
        for (int i = 0; i < threads; i++) {
            slots[i] = new Slot(i);
            slots[i].startWriter();
        }
        watchdog = Thread.ofPlatform().name("sse-write-watchdog").daemon().start(this::watch);
    }

    /** Queues a subscription that has something to write; the caller guarantees it is not already queued. */
    void schedule(Subscription sub) {
        slots[(int) Math.floorMod(sub.id(), (long) slots.length)].add(sub);
    }

    int stalledWriters() {
        return stalled.get();
    }

    private final class Slot {
        private final int index;
        private final ConcurrentLinkedQueue<Subscription> ready = new ConcurrentLinkedQueue<>();
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

        void add(Subscription sub) {
            ready.add(sub);
            Writer w = writer;
            if (w.sleeping) {
                w.sleeping = false;
                LockSupport.unpark(w.thread);
            }
        }
    }

    private final class Writer implements Runnable {
        private final Slot slot;
        private final byte[] scratch = new byte[SCRATCH_BYTES];
        private final List<Event> batch = new ArrayList<>();
        volatile Thread thread;
        volatile boolean sleeping;
        /** Set by the watchdog: another thread serves the slot now; this one finishes its write and leaves. */
        volatile boolean retired;
        /** The subscription being written and since when (0: not writing). */
        volatile Subscription writing;
        volatile long writingSince;

        Writer(Slot slot) {
            this.slot = slot;
        }

        @Override
        public void run() {
            while (!closed && !retired) {
                Subscription sub = slot.ready.poll();
                if (sub == null) {
                    sleeping = true;
                    sub = slot.ready.poll();
                    if (sub == null) {
                        LockSupport.park(this);
                        sleeping = false;
                        continue;
                    }
                    sleeping = false;
                }
                serve(sub);
            }
            if (retired) {
                stalled.decrementAndGet();
                stalledWriters.remove(this);
            }
        }

        private void serve(Subscription sub) {
            Outlet outlet = sub.takeForWrite(batch);
            if (outlet == null) {
                return;
            }
            try {
                writingSince = System.nanoTime();
                writing = sub;
                write(outlet);
                sub.markWritten();
            } catch (IOException | RuntimeException e) {
                // the client went away, or was cut off while we were blocked on it
                sub.end(Subscription.EndReason.CLOSED);
            } finally {
                writing = null;
                batch.clear();
            }
            if (sub.stillScheduled()) {
                slot.add(sub); // more arrived meanwhile: back of the line, so every client gets its turn
            }
        }

        /** One event goes out as the shared array itself; several are copied together into one write. */
        private void write(Outlet outlet) throws IOException {
            if (batch.size() == 1) {
                byte[] bytes = batch.getFirst().bytes();
                outlet.write(bytes, 0, bytes.length);
                return;
            }
            int at = 0;
            for (Event e : batch) {
                byte[] bytes = e.bytes();
                if (at + bytes.length > scratch.length && at > 0) {
                    outlet.write(scratch, 0, at);
                    at = 0;
                }
                if (bytes.length > scratch.length) {
                    outlet.write(bytes, 0, bytes.length);
                } else {
                    System.arraycopy(bytes, 0, scratch, at, bytes.length);
                    at += bytes.length;
                }
            }
            if (at > 0) {
                outlet.write(scratch, 0, at);
            }
        }
    }

    private void watch() {
        while (!closed) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            long now = System.nanoTime();
            for (Slot slot : slots) {
                Writer w = slot.writer;
                Subscription sub = w.writing;
                if (sub != null && now - w.writingSince > STALL) {
                    if (stalled.get() < MAX_STALLED) {
                        LOG.fine(() -> "a write to " + sub + " is blocked; its writer's other clients move to a new thread");
                        stalled.incrementAndGet();
                        stalledWriters.add(w);
                        w.retired = true;
                        slot.startWriter();
                        LockSupport.unpark(w.thread);
                    } else {
                        LOG.warning(() -> "cutting off " + sub + ": its write is blocked and " + MAX_STALLED
                                + " writers already wait on stalled clients");
                        sub.end(Subscription.EndReason.SLOW);
                    }
                }
            }
            for (Writer w : stalledWriters) {
                Subscription sub = w.writing;
                if (sub != null && now - w.writingSince > WRITE_TIMEOUT) {
                    sub.end(Subscription.EndReason.SLOW);
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Slot slot : slots) {
            LockSupport.unpark(slot.writer.thread);
        }
        watchdog.interrupt();
        for (Slot slot : slots) {
            try {
                slot.writer.thread.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "writer join", e);
            }
        }
    }
}
