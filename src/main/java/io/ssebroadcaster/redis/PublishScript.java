package io.ssebroadcaster.redis;

import io.ssebroadcaster.broker.BrokerUnavailableException;
import io.ssebroadcaster.broker.Publication;
import io.ssebroadcaster.broker.PublishOutcomeUnknownException;
import io.ssebroadcaster.hub.EventId;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Connection;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.util.Pool;
import redis.clients.jedis.util.SafeEncoder;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * Runs {@code publish.lua} for one publication, and says what is known when it fails. A command that
 * never wholly left this node (no connection, or writing it failed) was not published
 * ({@link BrokerUnavailableException}). A command written whose answer never came (Redis paused or
 * slower than the command timeout, or the connection lost before the answer) may have run, or may
 * still run when Redis resumes: that is reported as unknown ({@link PublishOutcomeUnknownException}),
 * never as "not published", and a retry with the same idempotency key settles it.
 *
 * <p>So the connection is taken from the pool here and the command written, flushed and answered in
 * three steps, each failing its own way; jedis' one-call commands throw the same exception for all.
 */
final class PublishScript {

    private static final String SCRIPT = load();

    private final Function<String, Connection> connections;
    private final RedisStreams.Layout layout;
    private final RedisBroker.Limits limits;
    private final BooleanSupplier connectionsSuspect;

    /**
     * @param connectionsSuspect true while pooled connections may be dead (the subscriber lost Redis):
     *                           a connection is then checked with a {@code PING} before the command
     *                           is sent, so a dead one fails as "not published" rather than unknown
     */
    PublishScript(Pool<Connection> pool, RedisBroker.Limits limits, BooleanSupplier connectionsSuspect) {
        this(channel -> pool.getResource(), RedisStreams.Layout.ONE_REDIS, limits, connectionsSuspect);
    }

    /**
     * @param connections a connection to where the publication's (first) channel lives, to be
     *                    closed (returned) after the command
     * @param layout      on Redis Cluster, every publication must have one channel
     */
    PublishScript(Function<String, Connection> connections, RedisStreams.Layout layout, RedisBroker.Limits limits,
                  BooleanSupplier connectionsSuspect) {
        this.connections = connections;
        this.layout = layout;
        this.limits = limits;
        this.connectionsSuspect = connectionsSuspect;
    }

    private static String load() {
        try (InputStream in = PublishScript.class.getResourceAsStream("publish.lua")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    EventId run(Publication p) {
        CommandArguments command = command(p);
        Connection connection;
        try {
            connection = connections.apply(p.channels().getFirst());
        } catch (JedisException e) {
            throw notPublished(e);
        }
        try (connection) {
            try {
                if (connectionsSuspect.getAsBoolean()) {
                    connection.ping();
                }
                connection.sendCommand(command);
                connection.getMany(0); // flushes and reads nothing: up to here Redis got no whole command
            } catch (JedisException e) {
                throw notPublished(e);
            }
            Object reply;
            try {
                reply = connection.getOne();
            } catch (JedisConnectionException e) {
                throw new PublishOutcomeUnknownException("publish outcome unknown: Redis did not answer ("
                        + e.getMessage() + "); the message may have been or may yet be published."
                        + " Retry with the same Idempotency-Key to have it published once", e);
            } catch (JedisException e) { // Redis answered with an error: the script did not run
                throw notPublished(e);
            }
            return parse(reply);
        }
    }

    private static EventId parse(Object reply) {
        String text = reply instanceof byte[] b ? SafeEncoder.encode(b) : String.valueOf(reply);
        try {
            return EventId.parse(text);
        } catch (IllegalArgumentException e) { // an idempotency record someone else wrote
            throw new BrokerUnavailableException("Redis answered the publish with '" + text + "', not an id", e);
        }
    }

    private static BrokerUnavailableException notPublished(JedisException e) {
        return new BrokerUnavailableException("Redis is unavailable, message not published: " + e.getMessage(), e);
    }

    /** {@code EVAL} with the KEYS and ARGV in the order {@code publish.lua} documents. */
    private CommandArguments command(Publication p) {
        int n = p.channels().size();
        String idempotencyKey = p.idempotencyKey();
        long window = idempotencyKey == null ? 0 : limits.idempotencyWindowMillis();
        String first = p.channels().getFirst();
        CommandArguments c = new CommandArguments(Protocol.Command.EVAL).add(SCRIPT).add(2 * n + 4);
        c.add(layout.lastId(first));
        for (String channel : p.channels()) {
            c.add(layout.stream(channel));
        }
        for (String channel : p.channels()) {
            c.add(layout.floor(channel));
        }
        c.add(layout.idempotency(first, idempotencyKey == null ? "" : idempotencyKey));
        c.add(layout.index(first));
        c.add(layout.seen(first));
        c.add(limits.historySize());
        c.add(limits.historyTtlMillis());
        c.add(RedisStreams.DATA_FIELD);
        c.add(RedisStreams.TYPE_FIELD);
        c.add(RedisStreams.CHANNELS_FIELD);
        c.add(RedisEnvelope.PREFIX);
        c.add(String.valueOf(RedisEnvelope.SEPARATOR));
        c.add(p.type() == null ? "" : p.type());
        c.add(p.data());
        c.add(RedisStreams.joinChannels(p.channels()));
        c.add(limits.streamMaxBytes());
        c.add(limits.keyLifeMillis());
        c.add(RedisStreams.OFFSET_FIELD);
        c.add(window);
        c.add(layout == RedisStreams.Layout.CLUSTER ? "1" : "0");
        for (String channel : p.channels()) {
            c.add(channel);
        }
        return c;
    }
}
