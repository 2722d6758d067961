package io.ssebroadcaster.cluster;

import io.ssebroadcaster.RedisCluster;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.util.ArrayList;
import java.util.List;

/**
 * For the cluster tests: a real local Redis Cluster (3 masters, 3 replicas) and two server nodes on
 * it, {@link #a} and {@link #b}, started once per test class.
 */
abstract class OnClusterNodes {

    static RedisCluster cluster;
    static SseBroadcaster a;
    static SseBroadcaster b;

    @BeforeAll
    static void startClusterAndNodes() {
        cluster = RedisCluster.start();
        a = node();
        b = node();
    }

    /** Another node on the same cluster (the caller closes it). */
    static SseBroadcaster node(String... flags) {
        List<String> args = new ArrayList<>(List.of("--redis-cluster", cluster.seeds(), "--history-size", "5000"));
        args.addAll(List.of(flags));
        return TestServers.start(args.toArray(String[]::new));
    }

    @AfterAll
    static void stopClusterAndNodes() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
        cluster.close();
    }
}
