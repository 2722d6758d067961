package io.ssebroadcaster.redis;

import io.ssebroadcaster.broker.Broker;
import io.ssebroadcaster.broker.BrokerUnavailableException;
import io.ssebroadcaster.broker.Publication;
import io.ssebroadcaster.broker.PublishOutcomeUnknownException;
import io.ssebroadcaster.hub.ChannelInterest;
import io.ssebroadcaster.hub.ChannelPositions;
import io.ssebroadcaster.hub.EventId;
import io.ssebroadcaster.hub.Hub;
import io.ssebroadcaster.hub.Position;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisRedirectionException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Redis Cluster broker. Each channel lives on the shard that owns its slot: its stream, its last
 * id and its messages ({@code SPUBLISH}) are there, written by one run of {@code publish.lua} on that
 * shard, so no publish touches two shards or a key that every publish shares. Each channel keeps its
 * own order, and a client's place is one id per channel (see {@link ChannelPositions}).
 *
 * <p>A publish to several channels is one publish per channel, in the order given, each with its own
 * id; the answer lists them as the place of a subscriber of exactly those channels. A subscriber of
 * several of them receives the message once per channel. If the shard of a later channel fails, the
 * earlier ones were published: the answer says so (504), and a retry with the same idempotency key
 * publishes only what is missing.
 */
public final class ClusterBroker implements Broker {

    private final ClusterClient cluster;
    private final int historySize;
    private final int maxMessageBytes;
    private final String seeds;
    private final ShardedSubscriber subscriber;
    private final PublishScript script;
    private final RejectedMessages rejected = new RejectedMessages();
    private volatile Hub hub;
    private volatile ClusterDelivery delivery;

    /**
     * @param pubsub            client settings of the shard connections
     * @param pingTimeoutMillis a shard connection silent this long is dead (not ready, reconnect)
     */
    public ClusterBroker(ClusterClient cluster, JedisClientConfig pubsub, RedisBroker.Limits limits,
                         int pingTimeoutMillis, int maxMessageBytes, String seeds) {
        this.cluster = cluster;
        this.historySize = limits.historySize();
        this.maxMessageBytes = maxMessageBytes;
        this.seeds = seeds;
        this.subscriber = new ShardedSubscriber(cluster, pubsub, pingTimeoutMillis);
        this.script = new PublishScript(cluster::connectionFor, RedisStreams.Layout.CLUSTER, limits, () -> false);
    }

    @Override
    public ChannelInterest interest() {
        return subscriber;
    }

    @Override
    public void start(Hub hub) {
        this.hub = hub;
        this.delivery = new ClusterDelivery(hub, cluster, historySize, rejected, maxMessageBytes);
        subscriber.start(delivery);
    }

    @Override
    public Position publish(Publication p) {
        hub.admit();
        if (p.channels().size() == 1) {
            return publishOne(p);
        }
        Map<String, EventId> ids = new TreeMap<>();
        for (String channel : p.channels()) {
            try {
                ids.put(channel, publishOne(new Publication(List.of(channel), p.type(), p.data(), p.idempotencyKey())));
            } catch (BrokerUnavailableException | PublishOutcomeUnknownException e) {
                if (ids.isEmpty()) {
                    throw e;
                }
                throw new PublishOutcomeUnknownException("published to " + ids.keySet() + " but not to '" + channel
                        + "' (" + e.getMessage() + "). Retry with the same Idempotency-Key to publish only what is"
                        + " missing", e);
            }
        }
        return new ChannelPositions(new ArrayList<>(ids.values()));
    }

    /** One channel, on its shard; a stale slot map (a failover, a moved slot) is read again once. */
    private EventId publishOne(Publication p) {
        try {
            return script.run(p);
        } catch (BrokerUnavailableException e) {
            if (!(e.getCause() instanceof JedisRedirectionException || e.getCause() instanceof JedisConnectionException)) {
                throw e;
            }
            cluster.refreshSlots();
            return script.run(p);
        }
    }

    /** Ready while every shard this node follows channels on is connected and answering. */
    @Override
    public boolean isReady() {
        return subscriber.isConnected();
    }

    /** Shard connections held now (one per master that owns a followed channel). */
    public int shardConnections() {
        return subscriber.connections();
    }

    /** Times a shard was found to have lost messages this node had delivered (a failover before replication). */
    public long lostWrites() {
        ClusterDelivery d = delivery;
        return d == null ? 0 : d.lostWrites();
    }

    public RejectedMessages rejected() {
        return rejected;
    }

    @Override
    public String name() {
        return "redis cluster " + seeds;
    }

    @Override
    public void close() {
        subscriber.close();
        cluster.close();
    }
}
