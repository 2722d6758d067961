package io.ssebroadcaster.redis;

import io.ssebroadcaster.history.MemoryHistory;
import io.ssebroadcaster.hub.Event;
import io.ssebroadcaster.hub.EventId;
import io.ssebroadcaster.hub.History;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * History shared by every node on one Redis: messages published through the HTTP API are read back
 * from their channel's stream, so a client can resume on any node. Raw {@code PUBLISH}es have no
 * stream entry; they replay from this node's memory only. When Redis cannot be asked, the replay
 * comes from memory and is marked possibly incomplete.
 */
public final class RedisHistory implements History {

    private static final Logger LOG = Logger.getLogger(RedisHistory.class.getName());

    private final MemoryHistory local;
    private final UnifiedJedis redis;
    private final RedisStreamReader streams;
    private final int perChannel;
    private final long ttlMillis;

    public RedisHistory(MemoryHistory local, UnifiedJedis redis, int perChannel, long ttlMillis) {
        this.local = local;
        this.redis = redis;
        this.streams = new RedisStreamReader(redis);
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
            for (String channel : streams.channels(channels)) {
                events.addAll(streams.read(channel, after, null, perChannel));
                truncated |= trimmedAfter(channel, after);
            }
        } catch (JedisException e) {
            LOG.warning(() -> "Redis unavailable for replay, serving this node's memory only: " + e.getMessage());
            return new Replay(fromMemory.events(), true);
        }
        // Raw publishes (node-local ids) exist only in memory; API messages may be in both, and a
        // message published to several of these channels is in each of their streams
        events.addAll(fromMemory.events());
        return new Replay(List.copyOf(RedisStreamReader.oneEventPerId(events)), truncated);
    }

    /** True when trimming (by length or age) dropped entries after {@code after} from the channel's stream. */
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
