package io.ssebroadcaster.redis;

import io.ssebroadcaster.delivery.EventStreamCodec;
import io.ssebroadcaster.hub.ChannelName;
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
 *     the id last delivered and are skipped.</li>
 * <li>Anything else is a raw {@code PUBLISH}: numbered here after the newest API id known, and
 *     delivered from one copy only (the subscriber says which).</li>
 * <li>After a reconnect, what arrives is held until every subscription is back; then what was missed
 *     is read from the streams ({@link RedisCatchUp}) and delivered first, and the held messages
 *     after it (the API ones among them were in the streams too, and are skipped).</li>
 * </ul>
 *
 * <p>Anybody who can {@code PUBLISH} on Redis can send anything, so nothing received is trusted: an
 * envelope that is not a valid one, or whose id Redis has not issued ({@link IssuedIds}), is
 * delivered as the raw message it is; one older than the newest delivered (not a copy of it) is
 * dropped; a raw message on a channel name no client can subscribe to is dropped. Each is counted
 * ({@link RejectedMessages}); none moves this node's position.
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
    private final IssuedIds issued;
    private final RejectedMessages rejected;
    /** As the API: larger data is not taken (the hub would queue it for every slow subscriber). */
    private final int maxMessageBytes;

    /** The newest API event delivered: one with this id is a copy, one before it is stale or caught up already. */
    private EventId lastApiId = EventId.ZERO;
    /**
     * Raw publishes are numbered {@code rawBase.1, rawBase.2, ...}: after the newest API id known
     * here. That is also where a catch-up starts: on the first connection it is the last id issued
     * before this node was listening (ZERO when none was: then a catch-up reads from the start).
     */
    private EventId rawBase = EventId.ZERO;
    /** Set once {@link #rawBase} is known: the first connection read the last issued id. */
    private boolean positionKnown;
    private long localCount;
    /**
     * Set from a reconnect until everything is subscribed again. What arrives meanwhile waits: one
     * round trip's worth of messages, which must not get ahead of the older ones still in the
     * streams.
     */
    private boolean holding;
    /**
     * The newest id the last catch-up delivered: messages up to it also reach the node live (held,
     * or published between the resubscription and the catch-up's read) and are expected again.
     */
    private EventId caughtUpTo = EventId.ZERO;
    private final List<Arrived> held = new ArrayList<>();

    RedisDelivery(Hub hub, UnifiedJedis commands, RedisCatchUp catchUp, RejectedMessages rejected, int maxMessageBytes) {
        this.hub = hub;
        this.commands = commands;
        this.catchUp = catchUp;
        this.issued = new IssuedIds(commands);
        this.rejected = rejected;
        this.maxMessageBytes = maxMessageBytes;
    }

    /**
     * The connection is up and its first subscriptions are live; after a reconnect, the rest are on
     * their way and {@link #resubscribed} follows. Called before the node reports ready.
     *
     * @throws JedisException when this node's position cannot be read on its first connection: it
     *                        must not report ready then, or a later catch-up would not know where
     *                        to start
     */
    void connected(boolean reconnect) {
        if (!positionKnown) {
            startRawNumberingAtLastIssuedId();
            positionKnown = true;
        }
        issued.readClock();
        holding |= reconnect;
    }

    /** After a reconnect, every channel and pattern in {@code following} is subscribed again. */
    void resubscribed(Collection<String> following) {
        try {
            if (positionKnown) {
                catchUp.missedSince(rawBase, following).forEach(this::receiveApi);
                caughtUpTo = lastApiId;
            }
        } finally {
            // whatever happened, the node must not stay holding (deaf, and growing the list)
            holding = false;
            List<Arrived> waiting = List.copyOf(held);
            held.clear();
            for (Arrived m : waiting) {
                try {
                    message(m.channel(), m.payload(), m.firstCopy());
                } catch (RuntimeException e) {
                    LOG.log(Level.SEVERE, "a message from Redis could not be handled", e);
                }
            }
        }
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
            if (!api.id().isAfter(lastApiId)) {
                // A copy of the last one, or one the catch-up delivered; else older than what was
                // delivered, which Redis never sends (ids grow in the order it publishes)
                if (firstCopy && api.id().isAfter(caughtUpTo) && !api.id().equals(lastApiId)) {
                    rejected.count(RejectedMessages.Reason.STALE, channel);
                }
                return;
            }
            if (issued.issued(api.id())) {
                if (tooLarge(api.data())) {
                    // Not even the API would have taken it; the id stays free for the real one
                    if (firstCopy) {
                        rejected.count(RejectedMessages.Reason.TOO_LARGE, channel);
                    }
                    return;
                }
                receiveApi(EventStreamCodec.event(api.id(), api.channels(), api.type(), api.data()));
                return;
            }
            if (firstCopy) {
                rejected.count(RejectedMessages.Reason.UNISSUED, channel);
            }
        } else if (firstCopy && RedisEnvelope.claimsToBeOne(payload)) {
            rejected.count(RejectedMessages.Reason.MALFORMED, channel);
        }
        if (firstCopy) {
            receiveRaw(channel, payload);
        }
    }

    /**
     * A raw message gets a node-local id after the newest API id. A pattern subscription hears any
     * channel Redis has, also names the API would refuse (with spaces, line breaks, too long): no
     * client can follow those by name, and the hub keeps to valid ones.
     */
    private void receiveRaw(String channel, String payload) {
        if (ChannelName.problemForPublish(channel) != null) {
            rejected.count(RejectedMessages.Reason.CHANNEL, channel);
            return;
        }
        if (tooLarge(payload)) {
            rejected.count(RejectedMessages.Reason.TOO_LARGE, channel);
            return;
        }
        deliver(EventStreamCodec.event(rawBase.withLocal(++localCount), List.of(channel), null, payload));
    }

    /** True when the text is more than {@link #maxMessageBytes} in UTF-8 (counted without encoding it). */
    private boolean tooLarge(String text) {
        return tooLarge(text, maxMessageBytes);
    }

    /** True when {@code text} is more than {@code maxMessageBytes} in UTF-8 (counted without encoding it). */
    static boolean tooLarge(String text, int maxMessageBytes) {
        int n = text.length();
        if (n > maxMessageBytes) {
            return true; // at least one byte per character
        }
        if ((long) n * 3 <= maxMessageBytes) {
            return false; // at most three bytes per character (a surrogate pair: four for two)
        }
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            bytes += c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
        }
        return bytes > maxMessageBytes;
    }

    /** So raw ids sort after every API id issued before this node started, and a catch-up knows where to start. */
    private void startRawNumberingAtLastIssuedId() {
        String last = commands.get(RedisStreams.LAST_ID_KEY);
        if (last == null) {
            return; // nothing issued yet: everything in the streams later is news to this node
        }
        try {
            rawBase = EventId.parse(last);
        } catch (IllegalArgumentException e) {
            // Not written by the publish script (which then issues ids from the clock): start from nothing
            LOG.warning("the last issued id in Redis (" + RedisStreams.LAST_ID_KEY + ") is not an id: " + e.getMessage());
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
        deliver(hub, event);
    }

    /** Delivers an event heard on Redis; logs, never throws (see above). Shared with {@link ClusterDelivery}. */
    static void deliver(Hub hub, Event event) {
        try {
            hub.deliver(event);
        } catch (HubClosedException e) {
            LOG.fine(() -> "not delivered, shutting down: " + event.id());
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "failed to deliver event " + event.id() + " from Redis", e);
        }
    }
}
