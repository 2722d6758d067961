package io.ssebroadcaster.hub;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Bounds what patterns cost a node: every event is matched against the distinct patterns its
 * subscribers hold, and with Redis each of them is a {@code PSUBSCRIBE} that every {@code PUBLISH}
 * tries. So a subscription may name at most {@code perSubscription} patterns, and the node holds at
 * most {@code perNode} distinct ones; either at 0 turns patterns off.
 *
 * <p>It sits in front of the broker's {@link ChannelInterest}, which the hub tells of every
 * subscription exactly once when it starts ({@link #follow}, before anything else) and once when it
 * ends or fails ({@link #unfollow}). A pattern therefore counts while at least one subscription holds
 * it, and its slot frees when the last one leaves. Counting under one lock keeps the cap exact when
 * subscribers race; the slot is taken before the broker follows the pattern and given back after it
 * stopped, so the broker never follows more than the cap either.
 */
public final class PatternLimits implements ChannelInterest {

    private final int perSubscription;
    private final int perNode;
    private final ChannelInterest upstream;
    /** On Redis Cluster patterns are refused, saying why. */
    private final boolean cluster;
    /** How many subscriptions hold each pattern (guarded by itself). */
    private final Map<String, Integer> holders = new HashMap<>();

    /**
     * @param perSubscription most patterns one subscription may name
     * @param perNode         most distinct patterns held at once on this node
     * @param upstream        the broker's interest, told only of subscriptions within the limits
     */
    public PatternLimits(int perSubscription, int perNode, ChannelInterest upstream) {
        this(perSubscription, perNode, upstream, false);
    }

    /** @param cluster true on Redis Cluster, where every pattern is refused */
    public PatternLimits(int perSubscription, int perNode, ChannelInterest upstream, boolean cluster) {
        this.cluster = cluster;
        this.perSubscription = perSubscription;
        this.perNode = perNode;
        this.upstream = upstream;
    }

    /** @throws PatternLimitException when the patterns are over a limit: then nothing is followed */
    @Override
    public void follow(List<String> channelsOrPatterns) {
        List<String> patterns = patternsIn(channelsOrPatterns);
        if (!patterns.isEmpty()) {
            take(patterns);
        }
        try {
            upstream.follow(channelsOrPatterns);
        } catch (RuntimeException e) {
            giveBack(patterns);
            throw e;
        }
    }

    @Override
    public void unfollow(List<String> channelsOrPatterns) {
        upstream.unfollow(channelsOrPatterns);
        giveBack(patternsIn(channelsOrPatterns));
    }

    /** Distinct patterns held now. */
    public int distinct() {
        synchronized (holders) {
            return holders.size();
        }
    }

    private static List<String> patternsIn(List<String> names) {
        return names.stream().filter(ChannelName::isPattern).toList();
    }

    private void take(List<String> patterns) {
        if (cluster) {
            throw PatternLimitException.onCluster();
        }
        if (perSubscription == 0 || perNode == 0) {
            throw PatternLimitException.disabled();
        }
        if (patterns.size() > perSubscription) {
            throw PatternLimitException.perSubscription(perSubscription);
        }
        synchronized (holders) {
            long fresh = patterns.stream().distinct().filter(p -> !holders.containsKey(p)).count();
            if (holders.size() + fresh > perNode) {
                throw PatternLimitException.perNode(perNode);
            }
            for (String p : patterns) {
                holders.merge(p, 1, Integer::sum);
            }
        }
    }

    private void giveBack(List<String> patterns) {
        if (patterns.isEmpty()) {
            return;
        }
        synchronized (holders) {
            for (String p : patterns) {
                holders.computeIfPresent(p, (k, n) -> n == 1 ? null : n - 1);
            }
        }
    }
}
