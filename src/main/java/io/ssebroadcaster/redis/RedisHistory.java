package io.ssebroadcaster.redis;

import io.ssebroadcaster.history.MemoryHistory;
import io.ssebroadcaster.hub.Event;
import io.ssebroadcaster.hub.EventId;
import io.ssebroadcaster.hub.History;
import io.ssebroadcaster.hub.ReplayLimit;
import io.ssebroadcaster.hub.ReplayMerge;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
        this(local, redis, RedisStreams.Layout.ONE_REDIS, perChannel, ttlMillis);
    }

    private RedisHistory(MemoryHistory local, UnifiedJedis redis, RedisStreams.Layout layout, int perChannel,
                         long ttlMillis) {
        this.local = local;
        this.redis = redis;
        this.streams = new RedisStreamReader(redis, layout);
        this.perChannel = perChannel;
        this.ttlMillis = ttlMillis;
    }

    @Override
    public void append(Event event) {
        local.append(event);
    }

    /**
     * Merges this node's memory (raw publishes live only there) with the channels' streams, newest
     * first, reading each stream a page at a time and only as far as the limit reaches. Streams are
     * read up to the last id Redis had issued when the read began: this node follows the channels
     * already, so everything after that reaches it live; reading further could take a message from one
     * stream and miss an older one another stream got meanwhile.
     */
    @Override
    public Replay after(List<String> channels, EventId after, EventId upTo, ReplayLimit limit) {
        Replay fromMemory = local.after(channels, after, upTo, limit);
        if (perChannel == 0) {
            return fromMemory;
        }
        try {
            String last = redis.get(RedisStreams.LAST_ID_KEY);
            RedisStreamReader.Lookup found = streams.lookUp(channels);
            List<ReplayMerge.Source> sources = new ArrayList<>();
            sources.add(ReplayMerge.of(fromMemory.events().reversed()));
            if (last != null) {
                EventId streamsUpTo = EventId.parse(last);
                RedisStreamReader.ReadAhead readAhead = new RedisStreamReader.ReadAhead(limit);
                sources.addAll(streams.newestFirst(found.channels(), after, streamsUpTo, readAhead));
            }
            Replay merged = ReplayMerge.newestFirst(sources, limit, !found.complete());
            if (merged.truncated()) {
                return merged; // no need to ask each stream whether it was trimmed
            }
            if (streams.trimmedAfter(found.channels(), after, ttlMillis)) {
                return new Replay(merged.events(), true);
            }
            return merged;
        } catch (JedisException | IllegalArgumentException e) {
            LOG.warning(() -> "Redis unavailable for replay, serving this node's memory only: " + e.getMessage());
            return new Replay(fromMemory.events(), true);
        }
    }

    /** The history of a Redis Cluster ({@link ClusterBroker}): each channel's stream on its own shard. */
    public static RedisHistory onCluster(MemoryHistory local, ClusterClient cluster, int perChannel, long ttlMillis) {
        return new RedisHistory(local, cluster, RedisStreams.Layout.CLUSTER, perChannel, ttlMillis);
    }

    /**
     * Redis Cluster: each channel's stream from the client's id there up to the hub's; raw
     * {@code SPUBLISH}es have no entry and are not replayed.
     */
    @Override
    public Replay after(Map<String, EventId> after, Map<String, EventId> upTo, ReplayLimit limit) {
        if (perChannel == 0) {
            return new Replay(List.of(), true); // nothing kept: whatever the client missed is gone
        }
        try {
            RedisStreamReader.ReadAhead readAhead = new RedisStreamReader.ReadAhead(limit);
            Replay merged = ReplayMerge.newestFirst(streams.newestFirst(new TreeMap<>(after), upTo, readAhead), limit,
                    false);
            if (merged.truncated() || !streams.trimmedAfter(after, ttlMillis)) {
                return merged;
            }
            return new Replay(merged.events(), true);
        } catch (JedisException e) {
            LOG.warning(() -> "Redis unavailable for replay: " + e.getMessage());
            return new Replay(List.of(), true);
        }
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
