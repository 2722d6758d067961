package io.ssebroadcaster.hub;

import java.util.List;

/**
 * One published message, with its wire form encoded once (by {@code delivery.EventStreamCodec}):
 * every subscriber of every transport is handed the same {@link #bytes()} array, which nobody may
 * modify.
 *
 * @param id       orders the event; sent as the SSE {@code id:} field
 * @param channels the channels it was published to
 * @param type     the SSE {@code event:} name, or null for the default {@code message}
 * @param data     the payload as published
 * @param bytes    the complete {@code text/event-stream} encoding, ending with a blank line
 */
public record Event(EventId id, List<String> channels, String type, String data, byte[] bytes) {

    /** Wire size in bytes. */
    public int size() {
        return bytes.length;
    }
}
