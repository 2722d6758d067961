package io.ssebroadcaster.hub;

/**
 * Where a client is, as its {@code Last-Event-ID} says: one {@link EventId} where every event has
 * its place in one order (the memory broker, one Redis), or one id per channel where each channel
 * keeps its own order (Redis Cluster: {@link ChannelPositions}).
 */
public sealed interface Position permits EventId, ChannelPositions {

    /**
     * Parses {@code 1700000000000-3} (one id) or {@code 1700000000000-3,1700000000007-0} (one per
     * channel).
     *
     * @throws IllegalArgumentException when the text is neither
     */
    static Position parse(String text) {
        return text.indexOf(ChannelPositions.SEPARATOR) >= 0 ? ChannelPositions.parse(text) : EventId.parse(text);
    }
}
