package io.ssebroadcaster.hub;

/**
 * A subscription asks for more patterns than this node allows (see {@link PatternLimits}); the
 * message names the limit. A bad request, not a busy server: answered 400.
 */
public final class PatternLimitException extends RuntimeException {

    private PatternLimitException(String message) {
        super(message, null, false, false);
    }

    static PatternLimitException disabled() {
        return new PatternLimitException("pattern subscriptions ('*') are disabled on this server; "
                + "subscribe to channels by name");
    }

    /** Redis Cluster has no sharded form of PSUBSCRIBE; see the README's Redis Cluster section. */
    static PatternLimitException onCluster() {
        return new PatternLimitException("pattern subscriptions ('*') are not available on Redis Cluster "
                + "(a pattern's channels live on every shard); subscribe to channels by name");
    }

    static PatternLimitException perSubscription(int max) {
        return new PatternLimitException("more than " + max + " patterns in one subscription (--max-patterns " + max + ")");
    }

    static PatternLimitException perNode(int max) {
        return new PatternLimitException("this server already follows " + max + " distinct patterns, its limit "
                + "(--max-node-patterns " + max + "); use a pattern already in use, channels by name, or retry later");
    }
}
