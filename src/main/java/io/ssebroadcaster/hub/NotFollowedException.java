package io.ssebroadcaster.hub;

/**
 * The broker could not confirm in time that this node follows a channel upstream (answered 503: the
 * client comes back), so the hub does not know where a new subscriber stands in it.
 */
public final class NotFollowedException extends RuntimeException {

    public NotFollowedException(String channel) {
        super("not following channel '" + channel + "' upstream yet (Redis did not confirm in time); try again");
    }
}
