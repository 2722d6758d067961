package io.ssebroadcaster.redis;

import io.ssebroadcaster.hub.ChannelName;
import io.ssebroadcaster.hub.Event;
import io.ssebroadcaster.hub.EventId;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;
import redis.clients.jedis.resps.StreamEntry;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads messages back from the channel streams, for a resuming client ({@link RedisHistory}) and
 * for a node that was disconnected ({@link RedisCatchUp}). A message published to several channels
 * has an entry in each of their streams; {@link #oneEventPerId} makes them one event again.
 *
 * <p>Every method may throw {@link redis.clients.jedis.exceptions.JedisException}.
 */
final class RedisStreamReader {

    /** Pattern subscriptions look for matching streams; this bounds how many. */
    static final int MAX_PATTERN_STREAMS = 1000;

    private final UnifiedJedis redis;

    RedisStreamReader(UnifiedJedis redis) {
        this.redis = redis;
    }

    /** The channels whose streams hold what {@code namesOrPatterns} receive: patterns are looked up in Redis. */
    Set<String> channels(Collection<String> namesOrPatterns) {
        Set<String> out = new LinkedHashSet<>();
        for (String name : namesOrPatterns) {
            if (!ChannelName.isPattern(name)) {
                out.add(name);
                continue;
            }
            // A channel pattern is a valid key glob as it stands: names have no other glob characters
            ScanParams params = new ScanParams().match(RedisStreams.key(name)).count(500);
            String cursor = ScanParams.SCAN_POINTER_START;
            int found = 0;
            do {
                ScanResult<String> page = redis.scan(cursor, params);
                for (String key : page.getResult()) {
                    out.add(RedisStreams.channelOf(key));
                    found++;
                }
                cursor = page.getCursor();
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START) && found < MAX_PATTERN_STREAMS);
        }
        return out;
    }

    /**
     * Up to {@code count} entries of {@code channel}'s stream with ids after {@code after} and, unless
     * {@code upTo} is null, not after {@code upTo}, oldest first.
     */
    List<Event> read(String channel, EventId after, EventId upTo, int count) {
        // XRANGE's start is inclusive (the exclusive form needs Redis 6.2): one more, then skip it
        StreamEntryID start = new StreamEntryID(after.millis(), after.sequence());
        StreamEntryID end = upTo == null ? null : new StreamEntryID(upTo.millis(), upTo.sequence());
        List<Event> out = new ArrayList<>();
        for (StreamEntry entry : redis.xrange(RedisStreams.key(channel), start, end, count + 1)) {
            Event e = RedisStreams.toEvent(channel, entry);
            if (e.id().isAfter(after) && out.size() < count) {
                out.add(e);
            }
        }
        return out;
    }

    /**
     * Sorted by id, with the copies of one message (read from several streams, or from a stream and
     * this node's memory) merged into one event listing the channels of all of them.
     */
    static List<Event> oneEventPerId(List<Event> events) {
        List<Event> sorted = new ArrayList<>(events);
        sorted.sort(Comparator.comparing(Event::id));
        List<Event> out = new ArrayList<>(sorted.size());
        for (Event e : sorted) {
            Event last = out.isEmpty() ? null : out.getLast();
            if (last == null || !last.id().equals(e.id())) {
                out.add(e);
            } else if (!last.channels().containsAll(e.channels())) {
                Set<String> channels = new LinkedHashSet<>(last.channels());
                channels.addAll(e.channels());
                // same id, same message: the wire bytes stay shared
                out.set(out.size() - 1, new Event(last.id(), List.copyOf(channels), last.type(), last.data(), last.bytes()));
            }
        }
        return out;
    }
}
