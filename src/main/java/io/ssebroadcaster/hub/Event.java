package io.ssebroadcaster.hub;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One published message, with its wire form encoded once: every subscriber of every transport
 * is handed the same {@link #bytes()} array, which nobody may modify.
 *
 * @param id       orders the event; sent as the SSE {@code id:} field
 * @param channels the channels it was published to
 * @param type     the SSE {@code event:} name, or null for the default {@code message}
 * @param data     the payload as published
 * @param bytes    the complete {@code text/event-stream} encoding, ending with a blank line
 */
public record Event(EventId id, List<String> channels, String type, String data, byte[] bytes) {

    public static Event of(EventId id, List<String> channels, String type, String data) {
        return new Event(id, List.copyOf(channels), type, data, encode(id, type, data));
    }

    /** Payload size in bytes, as checked against the message size limit. */
    public int size() {
        return bytes.length;
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
}
