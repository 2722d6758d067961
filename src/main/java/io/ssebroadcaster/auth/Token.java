package io.ssebroadcaster.auth;

import io.ssebroadcaster.hub.ChannelName;

import java.time.Instant;
import java.util.List;

/**
 * What a verified token allows: its {@code publish} and {@code subscribe} claims list channel names or
 * {@code *} patterns.
 *
 * @param expiresAt when the token stops being accepted ({@code exp} plus the tolerated clock skew);
 *                  null when it has no {@code exp}
 */
public record Token(List<String> publish, List<String> subscribe, Instant expiresAt) {

    public boolean canPublish(String channel) {
        return covers(publish, channel);
    }

    /** A claim covers a requested pattern when the claim, as a pattern, matches the requested text. */
    public boolean canSubscribe(String channelOrPattern) {
        return covers(subscribe, channelOrPattern);
    }

    private static boolean covers(List<String> claims, String requested) {
        for (String claim : claims) {
            if (ChannelName.matches(claim, requested)) {
                return true;
            }
        }
        return false;
    }
}
