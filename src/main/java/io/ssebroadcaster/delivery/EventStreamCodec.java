package io.ssebroadcaster.delivery;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerResponse;
import io.ssebroadcaster.hub.Event;
import io.ssebroadcaster.hub.EventId;
import io.ssebroadcaster.hub.IdStamper;
import io.ssebroadcaster.hub.Position;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Every byte of the {@code text/event-stream} format we send, in one place: the response headers,
 * the preamble, events, heartbeats, the history-truncated notice, the position id, the poll-timeout
 * comment and the parting words of a refused or ended stream.
 */
public final class EventStreamCodec {

    public static final String CONTENT_TYPE = "text/event-stream; charset=utf-8";
    public static final HeaderName X_ACCEL_BUFFERING = HeaderNames.create("X-Accel-Buffering");
    /** Set when replay could not cover everything after the client's Last-Event-ID. */
    public static final HeaderName HISTORY_TRUNCATED = HeaderNames.create("X-SSE-History-Truncated");
    /** Named event sent (without an id, so the client's last id stays) when history was exceeded. */
    public static final String TRUNCATED_EVENT = "sse-history-truncated";

    /**
     * Queued like an event for streams that have been idle for the heartbeat interval: it keeps
     * proxies from closing the connection and clients with read timeouts from giving up.
     */
    public static final Event HEARTBEAT = new Event(EventId.ZERO, List.of(), null, "", ascii(": ping\n\n"));

    private EventStreamCodec() {
    }

    /**
     * Re-stamps an event's id (Redis Cluster: a subscriber of several channels is sent its place in
     * each): the encoding's first line is its {@code id:}, the rest is copied as it is.
     */
    public static final IdStamper ID_STAMPER = (event, id) -> {
        byte[] bytes = event.bytes();
        int idLineEnd = 0;
        while (bytes[idLineEnd] != '\n') {
            idLineEnd++;
        }
        byte[] line = ascii("id: " + id);
        byte[] out = new byte[line.length + bytes.length - idLineEnd];
        System.arraycopy(line, 0, out, 0, line.length);
        System.arraycopy(bytes, idLineEnd, out, line.length, bytes.length - idLineEnd);
        return new Event(event.id(), event.channels(), event.type(), event.data(), out);
    };

    /** An event with its wire form, encoded once for every subscriber. */
    public static Event event(EventId id, List<String> channels, String type, String data) {
        return new Event(id, List.copyOf(channels), type, data, encode(id, type, data));
    }

    /**
     * Encodes per the SSE spec: each line of the data (split at CR LF, CR or LF) becomes its
     * own {@code data:} line, so a payload can never end the event early or inject fields.
     */
    static byte[] encode(EventId id, String type, String data) {
        StringBuilder sb = new StringBuilder(data.length() + 48);
        sb.append("id: ").append(id).append('\n');
        if (type != null) {
            sb.append("event: ").append(type).append('\n');
        }
        int start = 0;
        int n = data.length();
        for (int i = 0; i < n; i++) {
            char c = data.charAt(i);
            if (c == '\n' || c == '\r') {
                sb.append("data: ").append(data, start, i).append('\n');
                if (c == '\r' && i + 1 < n && data.charAt(i + 1) == '\n') {
                    i++;
                }
                start = i + 1;
            }
        }
        sb.append("data: ").append(data, start, n).append("\n\n");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The headers of every event-stream answer: streams, polls and refusals. */
    public static void headers(ServerResponse res, boolean truncated) {
        res.header(HeaderNames.CONTENT_TYPE, CONTENT_TYPE);
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        // Proxies such as nginx would otherwise hold events back in their buffers
        res.header(X_ACCEL_BUFFERING, "no");
        if (truncated) {
            res.header(HISTORY_TRUNCATED, "true");
        }
    }

    /** A comment (so proxies and browsers see bytes at once) and the reconnect delay. */
    public static byte[] preamble(long retryMillis) {
        return ascii(": ok\nretry: " + retryMillis + "\n\n");
    }

    /**
     * An {@code id:} field alone: per the SSE spec it sets the client's last event id without firing
     * an event, so a client that has seen nothing yet still resumes from here if it reconnects.
     */
    public static byte[] position(Position id) {
        return ascii("id: " + id + "\n\n");
    }

    public static byte[] truncatedNotice(Position lastEventId) {
        return ascii("event: " + TRUNCATED_EVENT + "\ndata: {\"lastEventId\":\"" + lastEventId + "\"}\n\n");
    }

    /** Ends a long poll that waited in vain. */
    public static byte[] pollTimeout() {
        return ascii(": timeout\n\n");
    }

    /**
     * The last bytes of a stream the server ends or refuses: why, as a comment, and when to come
     * back. An EventSource that reads this and then sees the response end reconnects by itself
     * after {@code retryMillis}; a non-200 answer would make it give up for good.
     */
    public static byte[] farewell(String why, long retryMillis) {
        return ascii(": " + why + "\nretry: " + retryMillis + "\n\n");
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
