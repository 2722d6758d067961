package io.ssebroadcaster.redis;

import redis.clients.jedis.ClusterPipeline;
import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.providers.ClusterConnectionProvider;
import redis.clients.jedis.util.JedisClusterCRC16;

import java.time.Duration;
import java.util.Set;

/**
 * Commands to a Redis Cluster (jedis' cluster support: the slot map, MOVED and ASK, a retry on a
 * failed node), plus what the broker needs that {@code JedisCluster} keeps to itself: the node that
 * owns a channel's slot now, a pooled connection to it, and refreshing the slot map after a failover
 * or a migration.
 */
public final class ClusterClient extends UnifiedJedis {

    private static final int MAX_ATTEMPTS = 3;

    private final ClusterConnectionProvider provider;

    private ClusterClient(ClusterConnectionProvider provider) {
        super(provider, MAX_ATTEMPTS, Duration.ofSeconds(2));
        this.provider = provider;
    }

    /**
     * Reads the slot map from the first of {@code seeds} that answers; when none does, the node starts
     * anyway (as on one Redis) and the map is read again as commands fail and the subscriber retries.
     */
    static ClusterClient connect(Set<HostAndPort> seeds, JedisClientConfig config) {
        System.setProperty(redis.clients.jedis.JedisCluster.INIT_NO_ERROR_PROPERTY, "true");
        return new ClusterClient(new ClusterConnectionProvider(seeds, config, RedisEndpoint.commandPool()));
    }

    static int slot(String channel) {
        return JedisClusterCRC16.getSlot(channel);
    }

    /** The master that owns {@code channel}'s slot, as far as this node's slot map knows. */
    HostAndPort ownerOf(String channel) {
        return provider.getNode(slot(channel));
    }

    /** True once a slot map was read (a node that started while the cluster was down has none). */
    boolean knowsSlots() {
        return provider.getNode(0) != null;
    }

    /** A pooled connection to the owner of {@code channel}'s slot; closing it gives it back. */
    Connection connectionFor(String channel) {
        return provider.getConnectionFromSlot(slot(channel));
    }

    /** Asks the cluster for its slot map again (after a node was lost, or a channel moved). */
    void refreshSlots() {
        provider.renewSlotCache();
    }

    @Override
    public ClusterPipeline pipelined() {
        return new ClusterPipeline(provider);
    }
}
