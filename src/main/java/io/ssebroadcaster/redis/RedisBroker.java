package io.ssebroadcaster.redis;

import io.ssebroadcaster.broker.Broker;
import io.ssebroadcaster.broker.Publication;
import io.ssebroadcaster.hub.ChannelInterest;
import io.ssebroadcaster.hub.EventId;
import io.ssebroadcaster.hub.Hub;
import redis.clients.jedis.JedisPooled;

/**
 * The Redis broker: every node publishes through Redis and hears every publish there, so nodes
 * behind a load balancer act as one hub, and {@code redis-cli PUBLISH} reaches browsers.
 *
 * <p>A publish runs one Lua script ({@code publish.lua}, by {@link PublishScript}) that numbers,
 * stores and publishes the message atomically, so the stream entry id is the event id on every node. Receiving is the
 * {@link RedisSubscriber}'s (the connection) and the {@link RedisDelivery}'s (into the hub).
 */
public final class RedisBroker implements Broker {

    /**
     * What the publish script keeps, and for how long.
     *
     * @param historySize             entries kept per channel stream (0: none)
     * @param historyTtlMillis        age limit of stream entries (0: none)
     * @param streamMaxBytes          bytes one channel stream may hold (0: no bound)
     * @param idleExpiryMillis        without an age limit, how long a channel's keys live after its
     *                                last publish (0: for ever)
     * @param idempotencyWindowMillis how long an idempotency key is remembered (0: not at all)
     */
    public record Limits(int historySize, long historyTtlMillis, long streamMaxBytes, long idleExpiryMillis,
                         long idempotencyWindowMillis) {

        /** How long a channel's keys outlive its last publish (0: for ever). */
        public long keyLifeMillis() {
            return historyTtlMillis > 0 ? historyTtlMillis : idleExpiryMillis;
        }
    }

    private final RedisEndpoint endpoint;
    private final JedisPooled commands;
    private final int historySize;
    private final int maxMessageBytes;
    private final RedisSubscriber subscriber;
    private final PublishScript script;
    private final RejectedMessages rejected = new RejectedMessages();
    private volatile Hub hub;

    /**
     * @param commands          the pooled client for commands, closed with the broker
     * @param pingTimeoutMillis a subscriber connection silent this long is dead (not ready, reconnect)
     * @param maxMessageBytes   larger messages heard on Redis (raw publishes) are not delivered, as the API refuses them
     */
    public RedisBroker(RedisEndpoint endpoint, JedisPooled commands, Limits limits, int pingTimeoutMillis,
                       int maxMessageBytes) {
        this.endpoint = endpoint;
        this.commands = commands;
        this.historySize = limits.historySize();
        this.maxMessageBytes = maxMessageBytes;
        this.subscriber = new RedisSubscriber(endpoint, commands, pingTimeoutMillis);
        this.script = new PublishScript(commands.getPool(), limits, () -> !subscriber.isConnected());
    }

    @Override
    public ChannelInterest interest() {
        return subscriber;
    }

    @Override
    public void start(Hub hub) {
        this.hub = hub;
        subscriber.start(new RedisDelivery(hub, commands, new RedisCatchUp(commands, historySize), rejected,
                maxMessageBytes));
    }

    @Override
    public EventId publish(Publication p) {
        hub.admit();
        return script.run(p);
    }

    /**
     * Ready while the subscriber connection is up and answering (see {@code --redis-ping-timeout}): a
     * publish now reaches this node's clients too.
     */
    @Override
    public boolean isReady() {
        return subscriber.isConnected();
    }

    /** How many times the subscriber connection was re-established. */
    public long reconnects() {
        return subscriber.reconnects();
    }

    /** Messages from Redis pub/sub not taken as they came (forged or malformed envelopes, and the like). */
    public RejectedMessages rejected() {
        return rejected;
    }

    @Override
    public String name() {
        return "redis " + endpoint;
    }

    @Override
    public void close() {
        subscriber.close();
        commands.close();
    }
}
