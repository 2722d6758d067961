package io.ssebroadcaster.http;

import io.ssebroadcaster.hub.Event;
import io.ssebroadcaster.hub.EventId;
import io.ssebroadcaster.hub.Hub;
import io.ssebroadcaster.hub.Subscription;
import io.helidon.webserver.http.ServerResponse;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Answers one long poll: at once with what the client missed, else as soon as an event arrives,
 * else after the poll timeout with an empty body; always in the event-stream text format, so the
 * client parses ids the same way and sends the last one with its next poll.
 */
final class LongPollResponder {

    /** A poll answer carries at most this much; the next poll continues from its last id. */
    static final int MAX_RESPONSE_BYTES = 1 << 20;

    private final long retryMillis;
    private final Duration timeout;

    LongPollResponder(long retryMillis, Duration timeout) {
        this.retryMillis = retryMillis;
        this.timeout = timeout;
    }

    void respond(ServerResponse res, Hub.Subscribed subscribed, EventId lastEventId) {
        Subscription sub = subscribed.subscription();
        List<Event> events = new ArrayList<>(subscribed.replay().events());
        try {
            boolean truncated = subscribed.replay().truncated();
            // Also picks up live events queued since the replay was taken, without waiting
            sub.awaitBatch(events, events.isEmpty() && !truncated ? timeout.toNanos() : 0, TimeUnit.NANOSECONDS);
        } finally {
            sub.end(Subscription.EndReason.CLOSED);
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(EventStreamFormat.preamble(retryMillis));
        if (subscribed.replay().truncated()) {
            body.writeBytes(EventStreamFormat.truncatedNotice(lastEventId));
        }
        int sent = 0;
        for (Event e : events) {
            if (e == Subscription.HEARTBEAT) {
                continue;
            }
            if (sent > 0 && body.size() + e.bytes().length > MAX_RESPONSE_BYTES) {
                break;
            }
            body.writeBytes(e.bytes());
            sent++;
        }
        if (sent == 0) {
            // Without an event the client still learns where it stands, so its next poll waits
            // for what comes after instead of being told again that its old id is gone
            body.writeBytes(EventStreamFormat.position(subscribed.position()));
            body.writeBytes(": timeout\n\n".getBytes(StandardCharsets.US_ASCII));
        }
        EventStreamFormat.headers(res, subscribed.replay().truncated());
        res.send(body.toByteArray());
    }
}
