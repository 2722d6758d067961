package io.ssebroadcaster.broker;

import java.util.List;

/**
 * A message a publisher asked to send, already validated.
 *
 * @param channels       one or more channel names (not patterns)
 * @param type           the SSE event name, or null
 * @param data           the payload, sent as-is
 * @param idempotencyKey the publisher's name for this message, or null: a publish with a key already
 *                       used within the window is not sent again and is answered with the first id
 */
public record Publication(List<String> channels, String type, String data, String idempotencyKey) {
    public Publication {
        channels = List.copyOf(channels);
    }

    public Publication(List<String> channels, String type, String data) {
        this(channels, type, data, null);
    }
}
