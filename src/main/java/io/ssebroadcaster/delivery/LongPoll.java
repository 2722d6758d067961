package io.ssebroadcaster.delivery;

import io.helidon.common.socket.HelidonSocket;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.http.ServerResponse;
import io.ssebroadcaster.hub.Drain;
import io.ssebroadcaster.hub.Event;
import io.ssebroadcaster.hub.Position;
import io.ssebroadcaster.hub.Hub;
import io.ssebroadcaster.hub.Subscription;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Answers one long poll: at once with what the client missed, else as soon as an event arrives,
 * else after the poll timeout with an empty body; always in the event-stream text format, so the
 * client parses ids the same way and sends the last one with its next poll.
 *
 * <p>A client that leaves while its poll waits is noticed at once: on HTTP/1 a virtual thread
 * blocks reading the connection (so the answer closes it: nothing else may read from it after),
 * on HTTP/2 the waiting thread looks at the stream's state.
 */
final class LongPoll implements Drain, Writers.TimedWrite {

    /** A poll answer carries at most this much; the next poll continues from its last id. */
    static final int MAX_RESPONSE_BYTES = 1 << 20;

    private final Thread thread = Thread.currentThread();
    private final Hub hub;
    private final Writers writers;
    private final Refusals refusals;
    private final Duration timeout;
    private final long retryMillis;
    private volatile boolean wake;
    /** While the answer is being written (0: not writing), for the watchdog's write timeout. */
    private volatile long sendingSince;
    /** Set once subscribed, before anything is written. */
    private volatile Subscription subscription;

    /** @param timeout how long a poll waits for an event */
    LongPoll(Hub hub, Writers writers, Refusals refusals, Duration timeout, long retryMillis) {
        this.hub = hub;
        this.writers = writers;
        this.refusals = refusals;
        this.timeout = timeout;
        this.retryMillis = retryMillis;
    }

    @Override
    public void ready(Subscription subscription) {
        wake = true;
        LockSupport.unpark(thread);
    }

    @Override
    public void ended(Subscription subscription, Subscription.EndReason reason) {
        wake = true;
        LockSupport.unpark(thread);
    }

    /**
     * @param connection the HTTP/1 connection to watch for the client leaving, or null (HTTP/2)
     * @param departed   for HTTP/2, whether the client has gone
     */
    void answer(ServerResponse res, Hub.Subscribed subscribed, Position lastEventId, HelidonSocket connection,
                BooleanSupplier departed) {
        Subscription sub = subscribed.subscription();
        this.subscription = sub;
        try {
            waitThenAnswer(res, subscribed, lastEventId, connection, departed);
        } finally {
            hub.end(sub, Subscription.EndReason.CLOSED);
        }
    }

    private void waitThenAnswer(ServerResponse res, Hub.Subscribed subscribed, Position lastEventId,
                                HelidonSocket connection, BooleanSupplier departed) {
        Subscription sub = subscribed.subscription();
        List<Event> events = new ArrayList<>(subscribed.replay().events());
        boolean truncated = subscribed.replay().truncated();
        AtomicBoolean gone = new AtomicBoolean();
        Thread watcher = connection == null ? null : Thread.ofVirtual().name("sse-poll-watch").start(() -> {
            ConnectionSockets.awaitClose(connection);
            gone.set(true);
            hub.end(sub, Subscription.EndReason.CLOSED);
        });
        long deadline = System.nanoTime() + (events.isEmpty() && !truncated ? timeout.toNanos() : 0);
        while (true) {
            wake = false;
            sub.outbox().drainTo(events);
            events.removeIf(e -> e == EventStreamCodec.HEARTBEAT);
            long left = deadline - System.nanoTime();
            if (!events.isEmpty() || sub.endReason() != null || left <= 0) {
                break;
            }
            if (!wake) {
                long probe = connection == null ? TimeUnit.MILLISECONDS.toNanos(Http2Departures.PROBE_MILLIS) : left;
                LockSupport.parkNanos(this, Math.min(left, probe));
            }
            if (departed.getAsBoolean()) {
                return;
            }
        }
        // at shutdown the hub ends us first, then nothing more is queued: take what came meanwhile
        sub.outbox().drainTo(events);
        events.removeIf(e -> e == EventStreamCodec.HEARTBEAT);
        if (gone.get()) {
            return; // nobody to answer
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(EventStreamCodec.preamble(retryMillis));
        if (truncated) {
            body.writeBytes(EventStreamCodec.truncatedNotice(lastEventId));
        }
        int sent = 0;
        for (Event e : events) {
            if (sent > 0 && body.size() + e.bytes().length > MAX_RESPONSE_BYTES) {
                break;
            }
            body.writeBytes(e.bytes());
            sent++;
        }
        if (sent == 0) {
            // Without an event the client still learns where it stands, so its next poll waits
            // for what comes after instead of being told again that its old id is gone
            body.writeBytes(EventStreamCodec.position(subscribed.position()));
            body.writeBytes(EventStreamCodec.pollTimeout());
        }
        if (sub.endReason() == Subscription.EndReason.SHUTDOWN) {
            body.writeBytes(refusals.shutdownFarewell().bytes());
        }
        EventStreamCodec.headers(res, truncated);
        if (watcher != null) {
            res.header(HeaderValues.CONNECTION_CLOSE); // the watcher still reads this connection
        }
        // A client that does not read its answer is cut off like a stream that does not read
        sendingSince = Math.max(1, writers.now());
        writers.track(this);
        try {
            res.send(body.toByteArray());
        } finally {
            writers.untrack(this);
            sendingSince = 0;
            Thread.interrupted(); // our own interrupt must not leak into Helidon's connection handling
        }
    }

    @Override
    public long writingSince() {
        return sendingSince;
    }

    /**
     * The client does not read its answer: cut off and counted as slow. Interrupting a virtual thread
     * blocked in a socket write closes the socket and fails the write.
     */
    @Override
    public void timedOut() {
        hub.cutOff(subscription);
        thread.interrupt();
    }
}
