package io.ssebroadcaster.redis;

import io.ssebroadcaster.delivery.EventStreamCodec;
import io.ssebroadcaster.hub.Event;
import io.ssebroadcaster.hub.EventId;
import redis.clients.jedis.resps.StreamEntry;

import java.util.List;
import java.util.Map;

/**
 * How published messages are kept in Redis: one stream per channel, key
 * {@value #KEY_PREFIX}{@code <channel>}, one entry per message with fields {@value #DATA_FIELD}
 * (data) and {@value #TYPE_FIELD} (event type, empty for none). The entry id is the message's event
 * id on every node. Beside each stream, {@value #FLOOR_PREFIX}{@code <channel>} holds the newest id
 * trimming dropped.
 *
 * <p>The publish script writes these keys and fields, but takes every name from here (as KEYS and
 * ARGV), so this class is the one place that defines the layout.
 */
final class RedisStreams {

    static final String KEY_PREFIX = "sse:stream:";
    static final String FLOOR_PREFIX = "sse:floor:";
    /** The last id issued, kept so ids grow across all channels (one order for every node). */
    static final String LAST_ID_KEY = "sse:last-id";
    static final String DATA_FIELD = "d";
    static final String TYPE_FIELD = "e";

    private RedisStreams() {
    }

    static String key(String channel) {
        return KEY_PREFIX + channel;
    }

    /** The newest id the channel's stream has dropped (trimmed by length or age). */
    static String floorKey(String channel) {
        return FLOOR_PREFIX + channel;
    }

    static String channelOf(String key) {
        return key.substring(KEY_PREFIX.length());
    }

    static Event toEvent(String channel, StreamEntry entry) {
        Map<String, String> fields = entry.getFields();
        String type = fields.getOrDefault(TYPE_FIELD, "");
        EventId id = new EventId(entry.getID().getTime(), entry.getID().getSequence());
        return EventStreamCodec.event(id, List.of(channel), type.isEmpty() ? null : type, fields.getOrDefault(DATA_FIELD, ""));
    }
}
