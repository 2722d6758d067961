package io.ssebroadcaster.redis;

import io.ssebroadcaster.delivery.EventStreamCodec;
import io.ssebroadcaster.hub.ChannelName;
import io.ssebroadcaster.hub.Event;
import io.ssebroadcaster.hub.EventId;
import redis.clients.jedis.resps.StreamEntry;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How published messages are kept in Redis: one stream per channel, key
 * {@value #KEY_PREFIX}{@code <channel>}, one entry per message with fields {@value #DATA_FIELD}
 * (data), {@value #TYPE_FIELD} (event type, empty for none) and, for a message published to several
 * channels, {@value #CHANNELS_FIELD} (all of them, as a {@linkplain #joinChannels channel list}: a
 * reader of one stream can tell the message is the same one as in the other streams). The entry id
 * is the message's event id on every node. Each entry also has {@value #OFFSET_FIELD}, the bytes
 * appended to its stream up to and including it, by which the publish script bounds a stream's bytes.
 * Beside each stream, {@value #FLOOR_PREFIX}{@code <channel>} holds the newest id trimming dropped,
 * and {@value #IDEMPOTENCY_PREFIX}{@code <key>} the id a publish with that idempotency key was given.
 * Every channel with a stream is named in the channel index
 * {@value #CHANNEL_INDEX_KEY} (a sorted set, all scores 0, so a pattern's literal prefix is a
 * lexicographic range of it), with the time of its last publish in {@value #CHANNEL_SEEN_KEY} (scores
 * in milliseconds, so names whose streams have expired can be dropped from the index).
 *
 * <p>The publish script writes these keys and fields, but takes every name from here (as KEYS and
 * ARGV), so this class is the one place that defines the layout.
 */
final class RedisStreams {

    static final String KEY_PREFIX = "sse:stream:";
    static final String FLOOR_PREFIX = "sse:floor:";
    /** Every channel that has a stream, for finding a pattern's channels without scanning the keyspace. */
    static final String CHANNEL_INDEX_KEY = "sse:channels";
    /** The same names, scored by the time of their last publish (ms): the index drops what has expired. */
    static final String CHANNEL_SEEN_KEY = "sse:channels:seen";
    /** The last id issued, kept so ids grow across all channels (one order for every node). */
    static final String LAST_ID_KEY = "sse:last-id";
    static final String DATA_FIELD = "d";
    static final String TYPE_FIELD = "e";
    static final String CHANNELS_FIELD = "c";
    static final String OFFSET_FIELD = "b";
    static final String IDEMPOTENCY_PREFIX = "sse:idem:";
    /** Channel names cannot contain it (see {@link ChannelName}), so a list needs no escaping. */
    static final char CHANNEL_SEPARATOR = ',';

    private RedisStreams() {
    }

    /**
     * Where a channel's keys are. On one Redis as named above. On Redis Cluster every key of a channel
     * carries the channel as its hash tag, so all of them and the channel's {@code SPUBLISH} are in
     * one slot (the script touches one shard), and ids are the channel's own ({@value #LAST_ID_KEY}
     * is per channel too); there is no channel index (patterns are not offered there).
     */
    enum Layout {
        ONE_REDIS {
            @Override
            String stream(String channel) {
                return key(channel);
            }

            @Override
            String floor(String channel) {
                return floorKey(channel);
            }

            @Override
            String lastId(String channel) {
                return LAST_ID_KEY;
            }

            @Override
            String idempotency(String channel, String key) {
                return idempotencyKey(key);
            }

            @Override
            String index(String channel) {
                return CHANNEL_INDEX_KEY;
            }

            @Override
            String seen(String channel) {
                return CHANNEL_SEEN_KEY;
            }
        },
        CLUSTER {
            @Override
            String stream(String channel) {
                return KEY_PREFIX + tag(channel);
            }

            @Override
            String floor(String channel) {
                return FLOOR_PREFIX + tag(channel);
            }

            @Override
            String lastId(String channel) {
                return LAST_ID_KEY + ":" + tag(channel);
            }

            @Override
            String idempotency(String channel, String key) {
                return IDEMPOTENCY_PREFIX + tag(channel) + ":" + key;
            }

            @Override
            String index(String channel) {
                return CHANNEL_INDEX_KEY + ":" + tag(channel);
            }

            @Override
            String seen(String channel) {
                return CHANNEL_SEEN_KEY + ":" + tag(channel);
            }
        };

        /** Channel names hold no braces (see {@link ChannelName}), so the whole name is the tag. */
        private static String tag(String channel) {
            return "{" + channel + "}";
        }

        abstract String stream(String channel);

        abstract String floor(String channel);

        /** The last id issued: for all channels on one Redis, for this channel alone on a cluster. */
        abstract String lastId(String channel);

        abstract String idempotency(String channel, String key);

        abstract String index(String channel);

        abstract String seen(String channel);
    }

    static String key(String channel) {
        return KEY_PREFIX + channel;
    }

    /** The newest id the channel's stream has dropped (trimmed by length or age). */
    static String floorKey(String channel) {
        return FLOOR_PREFIX + channel;
    }

    /** The id the publish with this idempotency key was given, kept for the idempotency window. */
    static String idempotencyKey(String key) {
        return IDEMPOTENCY_PREFIX + key;
    }

    static String channelOf(String key) {
        return key.substring(KEY_PREFIX.length());
    }

    /** The channel list as the stream entries and the envelope carry it. */
    static String joinChannels(List<String> channels) {
        return String.join(String.valueOf(CHANNEL_SEPARATOR), channels);
    }

    /**
     * The channels of a {@linkplain #joinChannels channel list}, or null when it is not one (it
     * came from Redis, where anybody can write anything).
     */
    static List<String> splitChannels(String list) {
        Set<String> out = new LinkedHashSet<>();
        int start = 0;
        while (start <= list.length()) {
            int end = list.indexOf(CHANNEL_SEPARATOR, start);
            if (end < 0) {
                end = list.length();
            }
            String channel = list.substring(start, end);
            if (ChannelName.problemForPublish(channel) != null) {
                return null;
            }
            out.add(channel);
            start = end + 1;
        }
        return List.copyOf(out);
    }

    /** The entry of {@code channel}'s stream as an event, with all the channels it was published to. */
    static Event toEvent(String channel, StreamEntry entry) {
        Map<String, String> fields = entry.getFields();
        String type = fields.getOrDefault(TYPE_FIELD, "");
        EventId id = new EventId(entry.getID().getTime(), entry.getID().getSequence());
        String list = fields.get(CHANNELS_FIELD);
        List<String> channels = list == null ? null : splitChannels(list);
        if (channels == null || !channels.contains(channel)) {
            channels = List.of(channel);
        }
        return EventStreamCodec.event(id, channels, type.isEmpty() ? null : type, fields.getOrDefault(DATA_FIELD, ""));
    }
}
