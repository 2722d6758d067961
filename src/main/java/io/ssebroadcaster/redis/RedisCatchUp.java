package io.ssebroadcaster.redis;

import io.ssebroadcaster.hub.Event;
import io.ssebroadcaster.hub.EventId;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.resps.StreamEntry;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.logging.Logger;

/**
 * What was published while the subscriber connection was down: pub/sub does not keep messages for
 * an absent subscriber, but every API message is in its channels' streams, so after a reconnect
 * the node reads them back from there (as far as history reaches) before going on live.
 */
final class RedisCatchUp {

    private static final Logger LOG = Logger.getLogger(RedisCatchUp.class.getName());

    private final UnifiedJedis commands;
    private final int historySize;

    RedisCatchUp(UnifiedJedis commands, int historySize) {
        this.commands = commands;
        this.historySize = historySize;
    }

    /** API messages on {@code channels} after {@code after}, in id order; empty when Redis cannot say. */
    List<Event> missedSince(EventId after, Collection<String> channels) {
        if (historySize == 0) {
            return List.of();
        }
        List<Event> missed = new ArrayList<>();
        StreamEntryID from = new StreamEntryID(after.millis(), after.sequence());
        try {
            for (String channel : channels) {
                if (!RedisSubscriber.CONTROL_CHANNEL.equals(channel)) {
                    for (StreamEntry entry : commands.xrange(RedisStreams.key(channel), from, (StreamEntryID) null, historySize)) {
                        missed.add(RedisStreams.toEvent(channel, entry));
                    }
                }
            }
        } catch (JedisException e) {
            LOG.warning("could not read missed messages from Redis: " + e.getMessage());
            return List.of();
        }
        missed.sort(Comparator.comparing(Event::id));
        if (!missed.isEmpty()) {
            LOG.info("caught up on messages published while the Redis connection was down");
        }
        return missed;
    }
}
