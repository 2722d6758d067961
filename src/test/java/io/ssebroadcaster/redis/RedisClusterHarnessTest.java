package io.ssebroadcaster.redis;

import io.ssebroadcaster.RedisCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The RedisCluster test helper itself: routing, slot migration and failover on a real 3+3 node cluster. */
class RedisClusterHarnessTest {

    // one cluster for all tests: starting one takes seconds; every test asks it who owns what, so order is free
    static RedisCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = RedisCluster.start();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void keysAndShardedPublishGoToTheMasterOwningTheirSlot() {
        assertEquals(6, cluster.ports().size());
        assertEquals(3, cluster.masterPorts().size());
        assertEquals(6, cluster.seeds().split(",").length);

        String key = "harness-routing";
        int owner = cluster.masterPortForChannel(key);
        int other = cluster.masterPorts().stream().filter(p -> p != owner).findFirst().orElseThrow();
        assertEquals("OK", cluster.cli(owner, "set", key, "v1"));
        assertEquals("v1", cluster.cli(other, "-c", "get", key), "-c follows the MOVED to the owner");
        assertTrue(cluster.cli(other, "get", key).startsWith("MOVED " + cluster.slotOf(key) + " "));

        assertEquals("0", cluster.cli(owner, "spublish", key, "hello"), "accepted, nobody subscribed");
        assertTrue(cluster.cli(other, "spublish", key, "hello").startsWith("MOVED"),
                "sharded channels are routed like keys");
    }

    @Test
    void migrateSlotMovesTheSlotWithItsKeys() {
        String key = "harness-migrate";
        int slot = cluster.slotOf(key);
        int from = cluster.masterPortForChannel(key);
        int to = cluster.masterPorts().stream().filter(p -> p != from).findFirst().orElseThrow();
        assertEquals("OK", cluster.cli(from, "set", key, "moved-value"));

        cluster.migrateSlot(slot, to);

        assertEquals(to, cluster.masterPortForChannel(key));
        assertEquals("moved-value", cluster.cli(to, "get", key));
        assertTrue(cluster.cli(from, "get", key).startsWith("MOVED " + slot + " 127.0.0.1:" + to));
    }

    @Test
    void killedMasterIsReplacedByItsReplicaAndComesBackAsReplica() {
        String key = "harness-failover";
        int old = cluster.masterPortForChannel(key);
        assertEquals("OK", cluster.cli(old, "set", key, "survives"));
        // replication is asynchronous: a master killed right after a write may take it along
        cluster.awaitReplicated();

        cluster.killMaster(old);
        int successor = cluster.awaitFailover(old);

        assertNotEquals(old, successor);
        assertEquals(successor, cluster.masterPortForChannel(key));
        assertTrue(cluster.masterPorts().contains(successor));
        assertTrue(cluster.cli(successor, "cluster", "info").contains("cluster_state:ok"));
        assertEquals("survives", cluster.cli(successor, "get", key));

        cluster.restartNode(old);
        assertEquals("slave", cluster.cli(old, "role").lines().findFirst().orElseThrow());
        assertEquals(List.of(), cluster.masterPorts().stream().filter(p -> p == old).toList());
    }
}
