package io.ssebroadcaster.hub;

import java.util.ArrayList;
import java.util.List;

/**
 * A client's place in each of its channels where every channel keeps its own order (Redis Cluster):
 * one id per channel, in the order of the channel names, joined by {@value #SEPARATOR}, e.g.
 * {@code 1764500000000-0,1764500000123-4} for {@code channels=b&channels=a} ({@code a} first).
 * A subscription to one channel uses a plain {@link EventId}.
 *
 * @param ids one per channel of the subscription, its channels sorted by name
 */
public record ChannelPositions(List<EventId> ids) implements Position {

    public static final char SEPARATOR = ',';
    /** A subscription's channels are capped (--max-channels); this bounds what one id may list. */
    public static final int MAX_IDS = 1000;

    public ChannelPositions {
        ids = List.copyOf(ids);
    }

    static ChannelPositions parse(String text) {
        List<EventId> ids = new ArrayList<>();
        int start = 0;
        while (true) {
            int end = text.indexOf(SEPARATOR, start);
            ids.add(EventId.parse(text.substring(start, end < 0 ? text.length() : end)));
            if (ids.size() > MAX_IDS) {
                throw new IllegalArgumentException("more than " + MAX_IDS + " positions");
            }
            if (end < 0) {
                return new ChannelPositions(ids);
            }
            start = end + 1;
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(ids.size() * 16);
        for (EventId id : ids) {
            if (!sb.isEmpty()) {
                sb.append(SEPARATOR);
            }
            sb.append(id);
        }
        return sb.toString();
    }
}
