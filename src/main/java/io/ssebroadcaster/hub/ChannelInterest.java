package io.ssebroadcaster.hub;

/**
 * Told when a channel or pattern gains its first local subscriber and loses its last, so a broker
 * can subscribe upstream only to what this node needs. Called on the fan-out thread: must not block.
 */
public interface ChannelInterest {

    ChannelInterest NONE = new ChannelInterest() {
        @Override
        public void firstSubscriber(String channelOrPattern) {
        }

        @Override
        public void lastSubscriberGone(String channelOrPattern) {
        }
    };

    void firstSubscriber(String channelOrPattern);

    void lastSubscriberGone(String channelOrPattern);
}
