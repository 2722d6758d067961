package io.ssebroadcaster.hub;

import java.util.List;

/**
 * Lets a broker follow upstream only the channels and patterns this node's clients want.
 *
 * <p>{@link #follow} runs before a subscription takes its replay snapshot and returns once upstream
 * delivery is in place, so nothing published after the snapshot can slip past the new subscriber.
 */
public interface ChannelInterest {

    ChannelInterest NONE = new ChannelInterest() {
        @Override
        public void follow(List<String> channelsOrPatterns) {
        }

        @Override
        public void unfollow(List<String> channelsOrPatterns) {
        }
    };

    /**
     * A subscription to these is starting; may wait briefly (bounded) for upstream confirmation.
     *
     * @throws RuntimeException to refuse the subscription (as {@link PatternLimits} does over its
     *                          caps): then nothing was followed, and no {@link #unfollow} comes
     */
    void follow(List<String> channelsOrPatterns);

    /** A subscription to these has ended; must not block. */
    void unfollow(List<String> channelsOrPatterns);
}
