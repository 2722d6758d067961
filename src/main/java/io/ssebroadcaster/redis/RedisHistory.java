package io.ssebroadcaster.redis;

import io.ssebroadcaster.history.MemoryHistory;
import io.ssebroadcaster.hub.ChannelName;
import io.ssebroadcaster.hub.Event;
import io.ssebroadcaster.hub.EventId;
import io.ssebroadcaster.hub.History;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;
import redis.clients.jedis.resps.StreamEntry;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.logging.Logger;

/**
 * History shared by every node on one Redis: messages published through the HTTP API are read back
 * from their channel's stream, so a client can resume on any node. Raw {@code PUBLISH}es have no
 * stream entry; they replay from this node's memory only. When Redis cannot be asked, the replay
 * comes from memory and is marked possibly incomplete.
 */
public final class RedisHistory implements History {

    private static final Logger LOG = Logger.getLogger(RedisHistory.class.getName());
    /** Pattern subscriptions look for matching streams; this bounds how many. */
    private static final int MAX_PATTERN_STREAMS = 1000;

    private final MemoryHistory local;
    private final UnifiedJedis redis;
    private final int perChannel;
    private final long ttlMillis;

    public RedisHistory(MemoryHistory local, UnifiedJedis redis, int perChannel, long ttlMillis) {
        this.local = local;
        this.redis = redis;
        this.perChannel = perChannel;
        this.ttlMillis = ttlMillis;
    }

    @Override
    public void append(Event event) {
        local.append(event);
    }

    @Override
    public Replay after(List<String> channels, EventId after) {
        Replay fromMemory = local.after(channels, after);
        if (perChannel == 0) {
            return fromMemory;
        }
        List<Event> events = new ArrayList<>();
        boolean truncated = false;
        try {
            for (String channel : streamsFor(channels)) {
                truncated |= readStream(channel, after, events);
            }
        } catch (JedisException e) {
            LOG.warning(() -> "Redis unavailable for replay, serving this node's memory only: " + e.getMessage());
            return new Replay(fromMemory.events(), true);
        }
        // Raw publishes (node-local ids) exist only in memory; API messages may be in both
        events.addAll(fromMemory.events());
        events.sort(Comparator.comparing(Event::id));
        List<Event> unique = new ArrayList<>(events.size());
        for (Event e : events) {
            if (unique.isEmpty() || !unique.getLast().id().equals(e.id())) {
                unique.add(e);
            }
        }
        return new Replay(List.copyOf(unique), truncated);
    }

    private Set<String> streamsFor(List<String> channels) {
        Set<String> out = new LinkedHashSet<>();
        for (String name : channels) {
            if (!ChannelName.isPattern(name)) {
                out.add(name);
                continue;
            }
            ScanParams params = new ScanParams().match(RedisStreams.key(name)).count(500);
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                ScanResult<String> page = redis.scan(cursor, params);
                for (String key : page.getResult()) {
                    out.add(RedisStreams.channelOf(key));
                }
                cursor = page.getCursor();
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START) && out.size() < MAX_PATTERN_STREAMS);
        }
        return out;
    }

    /** Adds the stream's entries after {@code after}; true when some after it were trimmed away. */
    private boolean readStream(String channel, EventId after, List<Event> into) {
        String key = RedisStreams.key(channel);
        StreamEntryID start = new StreamEntryID(after.millis(), after.sequence());
        List<StreamEntry> entries = redis.xrange(key, start, (StreamEntryID) null, perChannel + 1);
        for (StreamEntry entry : entries) {
            Event e = RedisStreams.toEvent(channel, entry);
            if (e.id().isAfter(after)) {
                into.add(e);
            }
        }
        return trimmedAfter(channel, after);
    }

    private boolean trimmedAfter(String channel, EventId after) {
        String floor = redis.get(RedisStreams.floorKey(channel));
        if (floor != null) {
            return EventId.parse(floor).isAfter(new EventId(after.millis(), after.sequence()));
        }
        // No floor: nothing was trimmed, or the whole stream expired; only an id older than the
        // age limit can have missed something then
        return ttlMillis > 0 && !redis.exists(RedisStreams.key(channel))
                && after.millis() < System.currentTimeMillis() - ttlMillis;
    }

    @Override
    public void expire(long nowMillis) {
        local.expire(nowMillis);
    }

    @Override
    public int size() {
        return local.size();
    }
}
