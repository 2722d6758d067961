package io.ssebroadcaster.hub;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One client's interest in a set of channels: its {@link Outbox}, the {@link Drain} that writes
 * it to the client, and how it ended. The hub {@linkplain Hub#end ends} it exactly once, whoever
 * notices first (the transport when the client leaves, the hub when the client is too slow, its
 * token expires or the server shuts down).
 */
public final class Subscription {

    /** A stream stays open; a long poll ends after one answer. Counted apart in the stats. */
    public enum Kind { STREAM, POLL }

    public enum EndReason {
        /** The client went away, a write to it failed, or the transport finished normally. */
        CLOSED,
        /** The client reads slower than events arrive: its outbox overflowed or a write timed out. */
        SLOW,
        /** The server is shutting down. */
        SHUTDOWN,
        /** The client's token expired. */
        EXPIRED
    }

    private static final AtomicLong IDS = new AtomicLong();
    private static final VarHandle ENDED;

    static {
        try {
            ENDED = MethodHandles.lookup().findVarHandle(Subscription.class, "ended", EndReason.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long id = IDS.incrementAndGet();
    private final List<String> channels;
    private final Kind kind;
    private final Outbox outbox;
    private final Drain drain;
    private final Instant expiresAt;
    private volatile EndReason ended;
    private volatile long lastWriteNanos = System.nanoTime();

    Subscription(List<String> channels, Kind kind, Outbox outbox, Drain drain, Instant expiresAt) {
        this.channels = List.copyOf(channels);
        this.kind = kind;
        this.outbox = outbox;
        this.drain = drain;
        this.expiresAt = expiresAt;
    }

    public long id() {
        return id;
    }

    public List<String> channels() {
        return channels;
    }

    public Kind kind() {
        return kind;
    }

    public Outbox outbox() {
        return outbox;
    }

    Drain drain() {
        return drain;
    }

    /** Null while open; then why it ended. */
    public EndReason endReason() {
        return ended;
    }

    /** @return true for the one caller that ends it */
    boolean markEnded(EndReason reason) {
        return ENDED.compareAndSet(this, null, reason);
    }

    boolean expiredAt(Instant now) {
        return expiresAt != null && !now.isBefore(expiresAt);
    }

    /** The transport reports each write, so keep-alives go only to idle clients. */
    public void markWritten() {
        lastWriteNanos = System.nanoTime();
    }

    boolean idleSince(long nanos) {
        return lastWriteNanos - nanos < 0;
    }

    @Override
    public String toString() {
        return "Subscription[" + id + " " + kind + " " + channels + "]";
    }
}
