package io.ssebroadcaster.redis;

import io.ssebroadcaster.hub.Event;
import io.ssebroadcaster.hub.EventId;
import io.ssebroadcaster.hub.Hub;
import io.ssebroadcaster.hub.HubOverloadedException;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;

import java.util.List;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Turns what the subscriber connection receives into events for this node's hub, in id order and
 * each once: API messages carry their id in the {@link RedisEnvelope}; anything else is a raw
 * {@code PUBLISH} and is numbered here, after the newest API id this node knows of.
 *
 * <p>Used only by the subscriber thread, so none of its state needs a lock.
 */
final class RedisDelivery {

    private static final Logger LOG = Logger.getLogger(RedisDelivery.class.getName());

    private final Hub hub;
    private final UnifiedJedis commands;
    private final RedisCatchUp catchUp;

    /** The newest API event delivered, and on which channels (one publish arrives once per channel). */
    private EventId lastApiId = EventId.ZERO;
    private final java.util.HashSet<String> channelsAtLastApiId = new java.util.HashSet<>();
    /** Raw publishes are numbered {@code rawBase.1, rawBase.2, ...}: after the last API id known here. */
    private EventId rawBase = EventId.ZERO;
    private long localCount;

    RedisDelivery(Hub hub, UnifiedJedis commands, RedisCatchUp catchUp) {
        this.hub = hub;
        this.commands = commands;
        this.catchUp = catchUp;
    }

    /**
     * The subscriber connection is up. After a reconnect, what was published to {@code following}
     * meanwhile is read from the streams and delivered first.
     */
    void connected(boolean reconnect, Set<String> following) {
        if (rawBase.equals(EventId.ZERO)) {
            startRawNumberingAtLastIssuedId();
        }
        if (reconnect && !lastApiId.equals(EventId.ZERO)) {
            List<Event> missed = catchUp.missedSince(lastApiId, following);
            missed.forEach(this::receiveApi);
        }
    }

    /**
     * One message as Redis sent it.
     *
     * @param firstCopy false for a further copy Redis sent because several of our subscriptions match
     */
    void message(String channel, String payload, boolean firstCopy) {
        if (!firstCopy) {
            return;
        }
        RedisEnvelope.Parsed api = RedisEnvelope.parse(payload);
        if (api != null) {
            receiveApi(Event.of(EventId.parse(api.id()), List.of(channel), api.type(), api.data()));
        } else {
            // A raw PUBLISH: numbered after the last API message this node knows of
            deliver(Event.of(rawBase.withLocal(++localCount), List.of(channel), null, payload));
        }
    }

    /** So raw ids sort after every API id issued before this node started. */
    private void startRawNumberingAtLastIssuedId() {
        try {
            String last = commands.get(RedisStreams.LAST_ID_KEY);
            if (last != null) {
                rawBase = EventId.parse(last);
            }
        } catch (JedisException | IllegalArgumentException e) {
            LOG.fine(() -> "could not read the last issued id: " + e);
        }
    }

    /** API messages arrive in id order; a repeat is one we already delivered. */
    private void receiveApi(Event event) {
        String channel = event.channels().get(0);
        int c = event.id().compareTo(lastApiId);
        if (c < 0 || c == 0 && !channelsAtLastApiId.add(channel)) {
            return;
        }
        if (c > 0) {
            lastApiId = event.id();
            channelsAtLastApiId.clear();
            channelsAtLastApiId.add(channel);
        }
        if (event.id().isAfter(rawBase)) {
            rawBase = event.id();
            localCount = 0;
        }
        deliver(event);
    }

    private void deliver(Event event) {
        try {
            hub.deliver(event);
        } catch (HubOverloadedException e) {
            LOG.warning("dropped a message from Redis: " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "failed to deliver a message from Redis", e);
        }
    }
}
