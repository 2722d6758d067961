package io.ssebroadcaster.redis;

import io.ssebroadcaster.hub.Event;
import io.ssebroadcaster.hub.EventId;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.logging.Logger;

/**
 * What was published while the subscriber connection was down: pub/sub keeps nothing for an absent
 * subscriber, but every API message is in its channels' streams, so after a reconnect the node
 * reads them back from there (as far as history reaches) before going on live.
 *
 * <p>Called only once every channel and pattern is subscribed again. It reads no further than the
 * last id issued at that moment: everything after it reaches the node live, and a message read from
 * one stream after it could overtake an older one that another stream got meanwhile.
 */
final class RedisCatchUp {

    private static final Logger LOG = Logger.getLogger(RedisCatchUp.class.getName());

    private final UnifiedJedis commands;
    private final RedisStreamReader streams;
    private final int historySize;

    RedisCatchUp(UnifiedJedis commands, int historySize) {
        this.commands = commands;
        this.streams = new RedisStreamReader(commands);
        this.historySize = historySize;
    }

    /**
     * API messages to {@code following} (channels and patterns) after {@code after}, in id order,
     * one event per message; empty when Redis cannot say.
     */
    List<Event> missedSince(EventId after, Collection<String> following) {
        if (historySize == 0 || following.isEmpty()) {
            return List.of();
        }
        List<Event> missed = new ArrayList<>();
        try {
            String last = commands.get(RedisStreams.LAST_ID_KEY);
            if (last == null) {
                return List.of(); // Redis lost its data: there is nothing to read back
            }
            EventId upTo = EventId.parse(last);
            if (!upTo.isAfter(after)) {
                return List.of();
            }
            for (String channel : streams.channels(following)) {
                missed.addAll(streams.read(channel, after, upTo, historySize));
            }
        } catch (JedisException | IllegalArgumentException e) {
            LOG.warning("could not read missed messages from Redis: " + e.getMessage());
            return List.of();
        }
        List<Event> events = RedisStreamReader.oneEventPerId(missed);
        if (!events.isEmpty()) {
            LOG.info("caught up on " + events.size() + " messages published while the Redis connection was down");
        }
        return events;
    }
}
