package io.ssebroadcaster.delivery;

import io.ssebroadcaster.hub.Drain;
import io.ssebroadcaster.hub.Event;
import io.ssebroadcaster.hub.Hub;
import io.ssebroadcaster.hub.Subscription;

import java.util.List;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A stream whose connection the {@link Writers} push to: a subscription with something queued
 * joins its writer's line once, and everything queued by its turn leaves in one write.
 *
 * <p>Until the transport has written the response head and the replay, events wait in the outbox;
 * {@link #attach} hands the connection over. {@link #ended} carries out the hub's decisions: a client
 * cut off has its connection aborted at once (which also fails a write blocked on it); at shutdown the
 * writer first writes what is still queued and the parting {@code retry:}, then closes.
 */
final class PushedStream implements Drain {

    private static final VarHandle SCHEDULED;

    static {
        try {
            SCHEDULED = MethodHandles.lookup().findVarHandle(PushedStream.class, "scheduled", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Writers writers;
    private final Farewell farewell;
    /** 1 while in a writer's line or being written, so it is never queued twice (see {@link #release}). */
    private volatile int scheduled;
    private volatile Hub hub;
    private volatile Subscription subscription;
    private volatile Outlet outlet;
    /** When it last joined its writer's line (for the backlog measure). */
    private volatile long scheduledAt;
    /** Shutting down: write what is queued and the farewell, then close. */
    private volatile boolean finishing;
    /** Cut off, or finished: nothing more is written. */
    private volatile boolean done;

    /** Writes the parting words of a stream the server ends, with a {@code retry:} of its choosing. */
    interface Farewell {
        Event next();
    }

    PushedStream(Writers writers, Farewell farewell) {
        this.writers = writers;
        this.farewell = farewell;
    }

    /** Hands the connection over: from now on the writers push to it, whatever queued meanwhile first. */
    void attach(Hub hub, Subscription subscription, Outlet outlet) {
        this.hub = hub;
        this.subscription = subscription;
        this.outlet = outlet;
        if (done) {
            outlet.abort(); // cut off while the replay was being written
        } else if (finishing || !subscription.outbox().isEmpty()) {
            schedule();
        }
    }

    @Override
    public void ready(Subscription sub) {
        if (outlet != null) {
            schedule();
        }
    }

    @Override
    public void ended(Subscription sub, Subscription.EndReason reason) {
        if (reason == Subscription.EndReason.SHUTDOWN) {
            finishing = true;
            if (outlet != null) {
                schedule();
            }
            return;
        }
        done = true;
        Outlet out = outlet;
        if (out != null) {
            out.abort();
        }
    }

    private void schedule() {
        if (!done && SCHEDULED.compareAndSet(this, 0, 1)) {
            scheduledAt = writers.now();
            writers.schedule(this);
        }
    }

    long id() {
        return subscription.id();
    }

    long scheduledAt() {
        return scheduledAt;
    }

    Outlet outlet() {
        return outlet;
    }

    /**
     * For its writer: moves what is queued into {@code batch}, with the farewell last when the stream
     * is finishing and nothing more can come.
     *
     * @return true when this batch is the stream's last
     */
    boolean takeBatch(List<Event> batch) {
        if (done) {
            return false;
        }
        subscription.outbox().drainTo(batch);
        // The outbox is closed once finishing (the hub closed it), so empty now means empty for good
        if (finishing && subscription.outbox().isEmpty()) {
            batch.add(farewell.next());
            return true;
        }
        return false;
    }

    /** For its writer, after a successful write. */
    void written(boolean last) {
        subscription.markWritten();
        if (last) {
            done = true;
            outlet.close(); // all said: closing also makes the transport's blocked read return
        }
    }

    /** For its writer: the write failed, so the client has gone. */
    void failed() {
        done = true;
        hub.end(subscription, Subscription.EndReason.CLOSED);
    }

    /** For the watchdog: a write to this client has blocked too long. */
    void cutOff() {
        hub.cutOff(subscription);
    }

    /**
     * For its writer, after serving it: leaves the line, or stays in it when more was queued
     * meanwhile (the flag is cleared only now, so no other writer can take it while a write is blocked).
     *
     * @return true when it must go back into the line
     */
    boolean release() {
        scheduled = 0;
        if (!done && (finishing || !subscription.outbox().isEmpty()) && SCHEDULED.compareAndSet(this, 0, 1)) {
            scheduledAt = writers.now();
            return true;
        }
        return false;
    }

    @Override
    public String toString() {
        return "PushedStream[" + subscription + "]";
    }
}
