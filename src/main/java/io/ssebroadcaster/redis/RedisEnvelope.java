package io.ssebroadcaster.redis;

/**
 * How a message published through the HTTP API travels on Redis pub/sub: a prefix no JSON or text
 * payload starts with, then id, event type and data separated by the ASCII unit separator.
 * Anything else on the channel is a raw {@code PUBLISH} and is delivered as it is.
 */
final class RedisEnvelope {

    static final char SEPARATOR = '\u001f';
    static final String PREFIX = "\u001eSSE" + SEPARATOR;

    record Parsed(String id, String type, String data) {
    }

    private RedisEnvelope() {
    }

    /** @return the parts of an API message, or null for a raw payload */
    static Parsed parse(String payload) {
        if (!payload.startsWith(PREFIX)) {
            return null;
        }
        int a = payload.indexOf(SEPARATOR, PREFIX.length());
        int b = a < 0 ? -1 : payload.indexOf(SEPARATOR, a + 1);
        if (b < 0) {
            return null;
        }
        String type = payload.substring(a + 1, b);
        return new Parsed(payload.substring(PREFIX.length(), a), type.isEmpty() ? null : type, payload.substring(b + 1));
    }
}
