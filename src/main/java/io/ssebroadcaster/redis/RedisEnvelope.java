package io.ssebroadcaster.redis;

import io.ssebroadcaster.hub.ChannelName;
import io.ssebroadcaster.hub.EventId;
import io.ssebroadcaster.hub.EventType;

import java.util.List;

/**
 * How a message published through the HTTP API travels on Redis pub/sub: a prefix no JSON or text
 * payload starts with, then the id, the channel list (every channel of the publish, so the copy a
 * node hears first is the whole event), the event type and the data, separated by the ASCII unit
 * separator. The publish script assembles it from these parts.
 *
 * <p>Anybody who can {@code PUBLISH} on Redis can write one, so every field is checked as strictly
 * as the API checks what it publishes: an id exactly as the script formats it, a channel list of
 * valid names that includes the channel it arrived on, an event type that fits on one SSE line.
 * Anything else on a channel, including a payload that starts like an envelope but is not a valid
 * one, is a raw {@code PUBLISH} and is delivered as it is. (Whether the id can have been issued yet
 * is a question for Redis: see {@link IssuedIds}.)
 */
final class RedisEnvelope {

    static final char SEPARATOR = '\u001f';
    /**
     * "2": the envelope of the first version had no channel list; the new prefix keeps one from
     * being read as the other.
     */
    static final String PREFIX = "\u001eSSE2" + SEPARATOR;
    /** As the API allows ({@code http.PublishRequest}): longer ones were never published. */
    /**
     * The longest channel list a publish can have: 1,024 channels (the most {@code --max-channels}
     * allows) of the longest name. A longer one is not looked at (splitting it would cost memory).
     */
    static final int MAX_CHANNEL_LIST_LENGTH = 1024 * (ChannelName.MAX_LENGTH + 1);
    /** Digits in each part of an id: as {@link EventId#parse}, so every part fits a long. */
    private static final int MAX_ID_DIGITS = 18;

    /** An API message as it arrived. */
    record Message(EventId id, List<String> channels, String type, String data) {
    }

    private RedisEnvelope() {
    }

    /** True when the payload claims to be an envelope (and so is counted when it is not a valid one). */
    static boolean claimsToBeOne(String payload) {
        return payload.startsWith(PREFIX);
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
        EventId id = streamId(payload, PREFIX.length(), a);
        if (id == null) {
            return null;
        }
        if (b - a - 1 > MAX_CHANNEL_LIST_LENGTH) {
            return null;
        }
        List<String> channels = RedisStreams.splitChannels(payload.substring(a + 1, b));
        if (channels == null || !channels.contains(channel)) {
            return null;
        }
        String type = payload.substring(b + 1, c);
        if (!type.isEmpty() && EventType.problem(type) != null) {
            return null; // what the API refuses (see EventType): no CR, LF or NUL can forge fields
        }
        return new Message(id, channels, type.isEmpty() ? null : type, payload.substring(c + 1));
    }

    /**
     * {@code <millis>-<sequence>} in {@code s[from, to)} exactly as publish.lua writes it ({@code %d-%d}:
     * no sign, no space, no leading zero, no node-local part), else null.
     */
    private static EventId streamId(String s, int from, int to) {
        int dash = s.indexOf('-', from);
        if (dash < 0 || dash >= to) {
            return null;
        }
        long millis = number(s, from, dash);
        long sequence = number(s, dash + 1, to);
        return millis < 0 || sequence < 0 ? null : new EventId(millis, sequence);
    }

    /** The decimal number in {@code s[from, to)}, or -1 when it is not one as {@code %d} prints it. */
    private static long number(String s, int from, int to) {
        int length = to - from;
        if (length < 1 || length > MAX_ID_DIGITS || (length > 1 && s.charAt(from) == '0')) {
            return -1;
        }
        long n = 0;
        for (int i = from; i < to; i++) {
            char ch = s.charAt(i);
            if (ch < '0' || ch > '9') {
                return -1;
            }
            n = n * 10 + (ch - '0');
        }
        return n;
    }
}
