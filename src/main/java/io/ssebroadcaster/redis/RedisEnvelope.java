package io.ssebroadcaster.redis;

import io.ssebroadcaster.hub.EventId;

import java.util.List;

/**
 * How a message published through the HTTP API travels on Redis pub/sub: a prefix no JSON or text
 * payload starts with, then the id, the channel list (every channel of the publish, so the copy a
 * node hears first is the whole event), the event type and the data, separated by the ASCII unit
 * separator. The publish script assembles it from these parts.
 *
 * <p>Anything else on a channel, including a payload that starts like an envelope but is not a
 * valid one, is a raw {@code PUBLISH} and is delivered as it is.
 */
final class RedisEnvelope {

    static final char SEPARATOR = '\u001f';
    /**
     * "2": the envelope of the first version had no channel list; the new prefix keeps one from
     * being read as the other.
     */
    static final String PREFIX = "\u001eSSE2" + SEPARATOR;

    /** An API message as it arrived. */
    record Message(EventId id, List<String> channels, String type, String data) {
    }

    private RedisEnvelope() {
    }

    /**
     * @param channel the channel it arrived on, which the envelope must list
     * @return the message, or null for a raw payload
     */
    static Message parse(String channel, String payload) {
        if (!payload.startsWith(PREFIX)) {
            return null;
        }
        int a = payload.indexOf(SEPARATOR, PREFIX.length());
        int b = a < 0 ? -1 : payload.indexOf(SEPARATOR, a + 1);
        int c = b < 0 ? -1 : payload.indexOf(SEPARATOR, b + 1);
        if (c < 0) {
            return null;
        }
        EventId id;
        try {
            id = EventId.parse(payload.substring(PREFIX.length(), a));
        } catch (IllegalArgumentException e) {
            return null;
        }
        List<String> channels = RedisStreams.splitChannels(payload.substring(a + 1, b));
        if (id.local() != 0 || channels == null || !channels.contains(channel)) {
            return null;
        }
        String type = payload.substring(b + 1, c);
        return new Message(id, channels, type.isEmpty() ? null : type, payload.substring(c + 1));
    }
}
