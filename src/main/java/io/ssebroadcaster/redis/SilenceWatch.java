package io.ssebroadcaster.redis;

import redis.clients.jedis.Connection;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * Notices a subscriber connection that went silent without closing: a dead NAT entry or a
 * partition drops packets and sends nothing back, so the socket stays up and the subscriber thread
 * waits in a read that, while subscribed, has no timeout (jedis sets none), for as long as TCP takes
 * to give up (about 15 minutes).
 *
 * <p>The subscriber pings often; this watch remembers when the connection was last heard from
 * (any reply: a message, a confirmation, a pong) and, once it has been silent for the timeout
 * while the subscriber thread was waiting to hear, marks it dead (the node reports not ready at
 * once) and closes its socket, which ends that read, so the subscriber thread reconnects.
 *
 * <p>While the subscriber thread handles a reply it reads nothing, so that silence does not count;
 * up to a minute (a long catch-up after a reconnect), not more: a thread stuck that long (waiting for
 * a lock that a write to this dead connection holds, say) is freed by closing the connection too.
 *
 * <p>One per connection attempt, watched from before its first command is sent.
 */
final class SilenceWatch {

    private static final long STUCK_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final Connection connection;
    private final long timeoutNanos;
    private volatile long heardNanos = System.nanoTime();
    /** Set while the subscriber thread handles a reply instead of reading: its silence is ours then. */
    private volatile boolean handling;
    private volatile boolean dead;

    SilenceWatch(Connection connection, long timeoutMillis) {
        this.connection = connection;
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    }

    /** A reply arrived; the subscriber thread handles it until {@link #handled}. */
    void heard() {
        heardNanos = System.nanoTime();
        handling = true;
    }

    /** Back to reading: silence from now on is the connection's. */
    void handled() {
        heardNanos = System.nanoTime();
        handling = false;
    }

    boolean isDead() {
        return dead;
    }

    /**
     * Called now and then from another thread: when the connection has been silent for the timeout,
     * marks it dead and closes its socket.
     *
     * @return true when it did so now
     */
    boolean check() {
        long silent = System.nanoTime() - heardNanos;
        if (dead || silent <= timeoutNanos || (handling && silent <= Math.max(STUCK_NANOS, timeoutNanos))) {
            return false;
        }
        close();
        return true;
    }

    /** Marks the connection dead and closes its socket, without a goodbye (a write could block). */
    void close() {
        dead = true;
        try {
            connection.forceDisconnect();
        } catch (IOException | RuntimeException e) {
            // closed already
        }
    }

    /** Milliseconds since the connection was last heard from. */
    long silentMillis() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - heardNanos);
    }
}
