package io.ssebroadcaster.redis;

import io.ssebroadcaster.Await;
import io.ssebroadcaster.Http;
import io.ssebroadcaster.RedisServer;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.SseClient;
import io.ssebroadcaster.TestServers;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Redis connection that goes silent without closing (a dead NAT entry, a partition): the node
 * notices within 5 s, says it is not ready, reconnects by itself and catches up on what was
 * published meanwhile, with no gap.
 */
class RedisBlackHoleTest {

    @Test
    void aBlackHoledSubscriberConnectionIsNoticedWithinFiveSecondsThenReconnectsAndCatchesUp() {
        try (RedisServer redis = RedisServer.start();
             BlackHoleProxy proxy = new BlackHoleProxy(redis.port())) {
            SseBroadcaster behind = TestServers.start("--broker", "redis", "--redis-port", Integer.toString(proxy.port()));
            SseBroadcaster other = TestServers.start("--broker", "redis", "--redis-port", Integer.toString(redis.port()));
            try (SseClient exact = SseClient.open(behind.port(), "channels=live");
                 SseClient pattern = SseClient.open(behind.port(), "channels=li*")) {
                exact.awaitComments(1);
                pattern.awaitComments(1);
                Await.until(() -> behind.broker().isReady() && other.broker().isReady(), "connected");
                assertEquals(200, ready(behind), "ready before the fault");
                // through the node under test, so it has a pooled command connection open when the fault comes
                Http.publish(behind.port(), "live", "before");
                exact.awaitCount(1);
                pattern.awaitCount(1);

                proxy.blackHoleExistingConnections();
                long cut = System.nanoTime();
                // What /observe/health/ready answers, watched from now on: the node is not ready only
                // until it has reconnected (a tenth of a second and a handshake), so poll it closely
                AtomicBoolean sawNotReady = new AtomicBoolean();
                Thread watcher = Thread.ofVirtual().start(() -> {
                    while (!sawNotReady.get() && System.nanoTime() - cut < TimeUnit.SECONDS.toNanos(5)) {
                        sawNotReady.set(!behind.broker().isReady());
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                    }
                });
                // Published while the node still believes its connection is fine: lost on the wire
                Http.publish(other.port(), "live", "m1");
                // Taken by the cut-off node on a pooled command connection that went silent with the
                // rest: its request never reaches Redis, so it must not be answered 200
                List<String> acceptedByBehind = new ArrayList<>();
                List<String> refusedByBehind = new ArrayList<>();
                publishThrough(behind, "into-the-hole", acceptedByBehind, refusedByBehind);
                joinQuietly(watcher);
                assertTrue(sawNotReady.get(), "not ready within 5 s of the black hole");
                Http.publish(other.port(), "live", "m2");
                // Taken by the cut-off node once it knows: a fresh command connection, or an error
                publishThrough(behind, "via-behind", acceptedByBehind, refusedByBehind);
                Http.publish(other.port(), "live", "m3");

                Await.until(() -> behind.broker().isReady(), 20, TimeUnit.SECONDS, "reconnected by itself");
                assertEquals(200, ready(behind), "ready again");
                Http.publish(other.port(), "live", "after");

                List<String> expected = new ArrayList<>(List.of("before", "m1"));
                if (acceptedByBehind.contains("into-the-hole")) {
                    expected.add("into-the-hole");
                }
                expected.add("m2");
                if (acceptedByBehind.contains("via-behind")) {
                    expected.add("via-behind");
                }
                expected.addAll(List.of("m3", "after"));
                assertEquals(expected, data(exact.await(e -> e.size() >= expected.size() && last(e).equals("after"))),
                        "the missed messages arrive after the reconnect, in order, each once");
                assertEquals(expected, data(pattern.await(e -> e.size() >= expected.size() && last(e).equals("after"))),
                        "pattern subscribers too");
                assertTrue(((RedisBroker) behind.broker()).reconnects() >= 1);
                // What was refused went nowhere: not in the streams either
                try (SseClient check = SseClient.open(other.port(), "channels=live&lastEventId=1-0")) {
                    List<String> all = data(check.await(e -> e.size() >= expected.size()));
                    assertEquals(expected, all.stream().filter(d -> !d.startsWith("{")).toList());
                    refusedByBehind.forEach(m -> assertFalse(all.contains(m), m + " was refused, yet published"));
                }
            } finally {
                behind.close();
                other.close();
            }
        }
    }

    /** Publishes through {@code node}, noting whether it was accepted (200) or refused (an error answer). */
    private static void publishThrough(SseBroadcaster node, String message, List<String> accepted, List<String> refused) {
        HttpResponse<String> r = Http.postForm(node.port(), "channel=live&message=" + message);
        if (r.statusCode() == 200) {
            accepted.add(message);
        } else {
            assertEquals("error", Http.json(r.body()).getString("status"), r.body());
            refused.add(message);
        }
    }

    private static void joinQuietly(Thread t) {
        try {
            t.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted");
        }
    }

    private static int ready(SseBroadcaster node) {
        return Http.get(node.port(), "/observe/health/ready").statusCode();
    }

    private static String last(List<SseClient.Received> events) {
        return events.isEmpty() ? "" : events.getLast().data();
    }

    private static List<String> data(List<SseClient.Received> events) {
        return events.stream().map(SseClient.Received::data).toList();
    }
}
