package io.ssebroadcaster.hub;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The event order where each channel keeps its own (Redis Cluster: a channel's ids are its stream's,
 * issued by the shard that owns it, and mean nothing against another channel's). The hub then
 * tracks, per channel this node follows, the newest id delivered; a client's place is one id per
 * channel ({@link ChannelPositions}, or a plain id for one channel).
 *
 * <p>The id a subscriber of several channels is sent with an event is where the hub stood in each
 * of them when it delivered that event. A subscriber is registered at a point of the hub's order and
 * receives every event after it, first in first out, so that is exactly where the subscriber stands
 * once it has the event: it is the same for every subscriber of the same channels, and stamped once
 * per event and channel set ({@link IdStamper}).
 *
 * <p>Guarded by the hub's lock.
 */
final class ChannelOrder {

    private final IdStamper stamper;
    /** The newest id delivered, per channel followed; a channel enters when the broker establishes it. */
    private final Map<String, EventId> latest = new HashMap<>();
    /** The event being fanned out, stamped once per channel set (emptied by {@link #accept}, not reallocated). */
    private final Map<List<String>, Event> stamped = new HashMap<>();

    ChannelOrder(IdStamper stamper) {
        this.stamper = stamper;
    }

    /**
     * Takes an event (of one channel) if it is new there.
     *
     * @return false for a repeat, an older one, or a channel not established (nobody here follows it)
     */
    boolean accept(Event event) {
        String channel = event.channels().getFirst();
        EventId last = latest.get(channel);
        if (last == null || !event.id().isAfter(last)) {
            return false;
        }
        latest.put(channel, event.id());
        stamped.clear();
        return true;
    }

    /** The broker follows {@code channel} now: every event after {@code top} will be delivered. */
    void establish(String channel, EventId top) {
        latest.putIfAbsent(channel, top);
    }

    void forget(String channel) {
        latest.remove(channel);
    }

    EventId latest(String channel) {
        return latest.get(channel);
    }

    /** One of {@code channels} that no broker has established yet, or null when all are. */
    String missing(List<String> channels) {
        for (String c : channels) {
            if (!latest.containsKey(c)) {
                return c;
            }
        }
        return null;
    }

    /** Where the hub stands now in {@code channels} (sorted): a new subscriber's place. */
    Position now(List<String> channels) {
        return place(channels, latest);
    }

    /** The place of a subscriber of {@code channels} (sorted) that stands at {@code at} in each. */
    private static Position place(List<String> channels, Map<String, EventId> at) {
        if (channels.size() == 1) {
            return at.get(channels.getFirst());
        }
        List<EventId> ids = new ArrayList<>(channels.size());
        for (String c : channels) {
            ids.add(at.get(c));
        }
        return new ChannelPositions(ids);
    }

    /**
     * A client's place in each of {@code channels} (sorted): a list of ids, one per channel, or one
     * id for all of them (exact for one channel; for several, ids of different shards are only
     * roughly comparable by time, so this is a best effort for ids not issued here).
     */
    static Map<String, EventId> bind(List<String> channels, Position position) {
        Map<String, EventId> out = new HashMap<>();
        if (position instanceof EventId id) {
            channels.forEach(c -> out.put(c, id));
            return out;
        }
        List<EventId> ids = ((ChannelPositions) position).ids();
        if (ids.size() != channels.size()) {
            throw new BadPositionException("Last-Event-ID has " + ids.size() + " positions for " + channels.size()
                    + " channels: it belongs to another subscription");
        }
        for (int i = 0; i < ids.size(); i++) {
            out.put(channels.get(i), ids.get(i));
        }
        return out;
    }

    /**
     * The event as a subscriber of {@code channels} (sorted) gets it, right after it was accepted:
     * one channel needs nothing, several get the hub's place in each, stamped once per channel list.
     */
    Event forSubscriber(Event event, List<String> channels) {
        if (channels.size() == 1) {
            return event;
        }
        return stamped.computeIfAbsent(channels, cs -> stamper.withId(event, now(cs).toString()));
    }

    /** A replay (oldest first) with each event stamped with the subscriber's place after it. */
    List<Event> stampReplay(List<Event> events, List<String> channels, Map<String, EventId> from) {
        if (channels.size() == 1 || events.isEmpty()) {
            return events;
        }
        Map<String, EventId> at = new HashMap<>(from);
        List<Event> out = new ArrayList<>(events.size());
        for (Event e : events) {
            at.put(e.channels().getFirst(), e.id());
            out.add(stamper.withId(e, place(channels, at).toString()));
        }
        return out;
    }
}
