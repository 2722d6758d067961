package io.ssebroadcaster.redis;

import io.ssebroadcaster.delivery.EventStreamCodec;
import io.ssebroadcaster.hub.Event;
import io.ssebroadcaster.hub.EventId;
import io.ssebroadcaster.hub.Hub;
import io.ssebroadcaster.hub.HubClosedException;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Turns what the subscriber connection receives into events for this node's hub, in id order and
 * each once, as the memory broker would deliver them.
 *
 * <ul>
 * <li>An API message carries its id and all its channels in the {@link RedisEnvelope}. Redis sends
 *     one copy per channel of the publish and per matching subscription, one after the other (the
 *     publish script runs alone); the first becomes one event for all its channels, the rest have
 *     an id not after the last one delivered and are skipped.</li>
 * <li>Anything else is a raw {@code PUBLISH}: numbered here after the newest API id known, and
 *     delivered from one copy only (the subscriber says which).</li>
 * <li>After a reconnect, what arrives is held until every subscription is back; then what was missed
 *     is read from the streams ({@link RedisCatchUp}) and delivered first, and the held messages
 *     after it (the API ones among them were in the streams too, and are skipped).</li>
 * </ul>
 *
 * <p>Used only by the subscriber thread, so none of its state needs a lock.
 */
final class RedisDelivery {

    private static final Logger LOG = Logger.getLogger(RedisDelivery.class.getName());

    /** A message as it arrived, kept while catching up. */
    private record Arrived(String channel, String payload, boolean firstCopy) {
    }

    private final Hub hub;
    private final UnifiedJedis commands;
    private final RedisCatchUp catchUp;

    /** The newest API event delivered: one with an id not after it is a copy, or caught up already. */
    private EventId lastApiId = EventId.ZERO;
    /**
     * Raw publishes are numbered {@code rawBase.1, rawBase.2, ...}: after the newest API id known
     * here. That is also where a catch-up starts: on the first connection it is the last id issued
     * before this node was listening.
     */
    private EventId rawBase = EventId.ZERO;
    private long localCount;
    /**
     * Set from a reconnect until everything is subscribed again. What arrives meanwhile waits: one
     * round trip's worth of messages, which must not get ahead of the older ones still in the
     * streams.
     */
    private boolean holding;
    private final List<Arrived> held = new ArrayList<>();

    RedisDelivery(Hub hub, UnifiedJedis commands, RedisCatchUp catchUp) {
        this.hub = hub;
        this.commands = commands;
        this.catchUp = catchUp;
    }

    /**
     * The connection is up and its first subscriptions are live; after a reconnect, the rest are on
     * their way and {@link #resubscribed} follows.
     */
    void connected(boolean reconnect) {
        if (rawBase.equals(EventId.ZERO)) {
            startRawNumberingAtLastIssuedId();
        }
        holding |= reconnect;
    }

    /** After a reconnect, every channel and pattern in {@code following} is subscribed again. */
    void resubscribed(Collection<String> following) {
        if (!rawBase.equals(EventId.ZERO)) {
            catchUp.missedSince(rawBase, following).forEach(this::receiveApi);
        }
        holding = false;
        List<Arrived> waiting = List.copyOf(held);
        held.clear();
        waiting.forEach(m -> message(m.channel(), m.payload(), m.firstCopy()));
    }

    /**
     * One message as Redis sent it.
     *
     * @param firstCopy false for a further copy Redis sent because several of our subscriptions match
     */
    void message(String channel, String payload, boolean firstCopy) {
        if (holding) {
            held.add(new Arrived(channel, payload, firstCopy));
            return;
        }
        RedisEnvelope.Message api = RedisEnvelope.parse(channel, payload);
        if (api != null) {
            receiveApi(EventStreamCodec.event(api.id(), api.channels(), api.type(), api.data()));
        } else if (firstCopy) {
            deliver(EventStreamCodec.event(rawBase.withLocal(++localCount), List.of(channel), null, payload));
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

    private void receiveApi(Event event) {
        if (!event.id().isAfter(lastApiId)) {
            return;
        }
        lastApiId = event.id();
        if (event.id().isAfter(rawBase)) {
            rawBase = event.id();
            localCount = 0;
        }
        deliver(event);
    }

    /**
     * Another node accepted the event, so this one takes it too: the hub never refuses for load (a
     * subscriber that cannot take it is disconnected and resumes from the streams). Nothing here
     * may end the subscriber thread, or the node would stop hearing Redis altogether.
     */
    private void deliver(Event event) {
        try {
            hub.deliver(event);
        } catch (HubClosedException e) {
            LOG.fine(() -> "not delivered, shutting down: " + event.id());
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "failed to deliver event " + event.id() + " from Redis", e);
        }
    }
}
