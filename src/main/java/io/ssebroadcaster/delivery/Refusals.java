package io.ssebroadcaster.delivery;

import io.helidon.http.HeaderValues;
import io.helidon.webserver.http.ServerResponse;
import io.ssebroadcaster.hub.Event;
import io.ssebroadcaster.hub.EventId;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

/**
 * Sending subscribers away so that they come back: when the server cannot take one, and when it
 * shuts down.
 *
 * <p>Why a 200: a native EventSource "fails the connection" on any other status (or content type)
 * and never retries, so a 503 would lose a browser until its page is reloaded. A 200 event stream
 * with a {@code retry:} that then ends makes it reconnect by itself after that delay. The delay is
 * drawn at random from a window, so that clients refused or sent away together come back spread
 * out instead of in the same second.
 */
public final class Refusals {

    /** Why a subscriber was sent away; counted apart. */
    public enum Reason {
        /** The connection cap was reached. */
        CONNECTIONS("too many connections"),
        /** The writers are too far behind. */
        OVERLOAD("server busy"),
        /** The server is shutting down. */
        SHUTDOWN("shutting down"),
        /** Redis did not confirm in time that this node follows a channel (Redis Cluster). */
        UPSTREAM("channel not followed upstream yet");

        private final String words;

        Reason(String words) {
            this.words = words;
        }

        public String words() {
            return words;
        }
    }

    private final long minRetryMillis;
    private final long maxRetryMillis;
    private final Map<Reason, LongAdder> refused = new EnumMap<>(Reason.class);

    /** @param minRetryMillis the window {@code retry:} is drawn from (inclusive) */
    public Refusals(long minRetryMillis, long maxRetryMillis) {
        this.minRetryMillis = minRetryMillis;
        this.maxRetryMillis = maxRetryMillis;
        for (Reason r : Reason.values()) {
            refused.put(r, new LongAdder());
        }
    }

    /** A reconnect delay from the window, in milliseconds. */
    public long retryMillis() {
        return ThreadLocalRandom.current().nextLong(minRetryMillis, maxRetryMillis + 1);
    }

    /** A whole number of seconds within the window, for {@code Retry-After}. */
    public int retryAfterSeconds() {
        return (int) Math.max(1, (retryMillis() + 999) / 1000);
    }

    public void count(Reason reason) {
        refused.get(reason).increment();
    }

    /** How many subscribers were refused for {@code reason} since start (both as event streams and as 503s). */
    public long refused(Reason reason) {
        return refused.get(reason).sum();
    }

    /**
     * Answers an EventSource that cannot be taken: 200, the event-stream headers, why and when to
     * come back, and the end of the response. The caller counts it.
     */
    public void send(ServerResponse res, Reason reason) {
        res.status(200);
        EventStreamCodec.headers(res, false);
        res.header(HeaderValues.CONNECTION_CLOSE);
        res.send(EventStreamCodec.farewell("refused: " + reason.words(), retryMillis()));
    }

    /** The parting words of a stream the server ends at shutdown, written like an event after the last one. */
    Event shutdownFarewell() {
        return new Event(EventId.ZERO, List.of(), null, "",
                EventStreamCodec.farewell(Reason.SHUTDOWN.words(), retryMillis()));
    }
}
