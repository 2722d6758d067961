package io.ssebroadcaster.http;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerResponse;
import io.ssebroadcaster.hub.EventId;

import java.nio.charset.StandardCharsets;

/** The bytes and headers both transports (stream and long poll) share. */
final class EventStreamFormat {

    static final String CONTENT_TYPE = "text/event-stream; charset=utf-8";
    static final HeaderName X_ACCEL_BUFFERING = HeaderNames.create("X-Accel-Buffering");
    /** Set when replay could not cover everything after the client's Last-Event-ID. */
    static final HeaderName HISTORY_TRUNCATED = HeaderNames.create("X-SSE-History-Truncated");
    /** Named event sent (without an id, so the client's last id stays) when history was exceeded. */
    static final String TRUNCATED_EVENT = "sse-history-truncated";

    private EventStreamFormat() {
    }

    static void headers(ServerResponse res, boolean truncated) {
        res.header(HeaderNames.CONTENT_TYPE, CONTENT_TYPE);
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        // Proxies such as nginx would otherwise hold events back in their buffers
        res.header(X_ACCEL_BUFFERING, "no");
        if (truncated) {
            res.header(HISTORY_TRUNCATED, "true");
        }
    }

    /** A comment (so proxies and browsers see bytes at once) and the reconnect delay. */
    static byte[] preamble(long retryMillis) {
        return (": ok\nretry: " + retryMillis + "\n\n").getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * An {@code id:} field alone: per the SSE spec it sets the client's last event id without firing
     * an event, so a client that has seen nothing yet still resumes from here if it reconnects.
     */
    static byte[] position(EventId id) {
        return ("id: " + id + "\n\n").getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] truncatedNotice(EventId lastEventId) {
        return ("event: " + TRUNCATED_EVENT + "\ndata: {\"lastEventId\":\"" + lastEventId + "\"}\n\n")
                .getBytes(StandardCharsets.US_ASCII);
    }
}
