package io.ssebroadcaster.redis;

import io.ssebroadcaster.broker.Broker;
import io.ssebroadcaster.broker.BrokerUnavailableException;
import io.ssebroadcaster.broker.Publication;
import io.ssebroadcaster.hub.ChannelInterest;
import io.ssebroadcaster.hub.EventId;
import io.ssebroadcaster.hub.Hub;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.exceptions.JedisException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The Redis broker: every node publishes through Redis and hears every publish there, so nodes
 * behind a load balancer act as one hub, and {@code redis-cli PUBLISH} reaches browsers.
 *
 * <p>A publish runs one Lua script ({@code publish.lua}) that numbers, stores and publishes the
 * message atomically, so the stream entry id is the event id on every node. Receiving is the
 * {@link RedisSubscriber}'s (the connection) and the {@link RedisDelivery}'s (into the hub).
 */
public final class RedisBroker implements Broker {

    private static final String SCRIPT = loadScript();

    private final RedisEndpoint endpoint;
    private final JedisPooled commands;
    private final int historySize;
    private final long historyTtlMillis;
    private final int maxMessageBytes;
    private final RedisSubscriber subscriber;
    private final RejectedMessages rejected = new RejectedMessages();
    private volatile Hub hub;

    /**
     * @param commands         the pooled client for commands, closed with the broker
     * @param historySize      entries kept per channel stream (0: none)
     * @param historyTtlMillis age limit of stream entries (0: none)
     * @param pingTimeoutMillis a subscriber connection silent this long is dead (not ready, reconnect)
     * @param maxMessageBytes   larger messages heard on Redis (raw publishes) are not delivered, as the API refuses them
     */
    public RedisBroker(RedisEndpoint endpoint, JedisPooled commands, int historySize, long historyTtlMillis,
                       int pingTimeoutMillis, int maxMessageBytes) {
        this.endpoint = endpoint;
        this.commands = commands;
        this.historySize = historySize;
        this.historyTtlMillis = historyTtlMillis;
        this.maxMessageBytes = maxMessageBytes;
        this.subscriber = new RedisSubscriber(endpoint, commands, pingTimeoutMillis);
    }

    private static String loadScript() {
        try (InputStream in = RedisBroker.class.getResourceAsStream("publish.lua")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
        List<String> keys = new ArrayList<>(2 * p.channels().size() + 3);
        keys.add(RedisStreams.LAST_ID_KEY);
        for (String channel : p.channels()) {
            keys.add(RedisStreams.key(channel));
        }
        for (String channel : p.channels()) {
            keys.add(RedisStreams.floorKey(channel));
        }
        keys.add(RedisStreams.CHANNEL_INDEX_KEY);
        keys.add(RedisStreams.CHANNEL_SEEN_KEY);
        // The order publish.lua documents
        List<String> args = new ArrayList<>(p.channels().size() + 10);
        args.add(Integer.toString(historySize));
        args.add(Long.toString(historyTtlMillis));
        args.add(RedisStreams.DATA_FIELD);
        args.add(RedisStreams.TYPE_FIELD);
        args.add(RedisStreams.CHANNELS_FIELD);
        args.add(RedisEnvelope.PREFIX);
        args.add(String.valueOf(RedisEnvelope.SEPARATOR));
        args.add(p.type() == null ? "" : p.type());
        args.add(p.data());
        args.add(RedisStreams.joinChannels(p.channels()));
        args.addAll(p.channels());
        try {
            return EventId.parse((String) commands.eval(SCRIPT, keys, args));
        } catch (JedisException e) {
            throw new BrokerUnavailableException("Redis is unavailable, message not published: " + e.getMessage(), e);
        }
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
