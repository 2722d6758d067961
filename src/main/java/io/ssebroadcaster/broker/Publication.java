package io.ssebroadcaster.broker;

import java.util.List;

/**
 * A message a publisher asked to send, already validated.
 *
 * @param channels one or more channel names (not patterns)
 * @param type     the SSE event name, or null
 * @param data     the payload, sent as-is
 */
public record Publication(List<String> channels, String type, String data) {
    public Publication {
        channels = List.copyOf(channels);
    }
}
