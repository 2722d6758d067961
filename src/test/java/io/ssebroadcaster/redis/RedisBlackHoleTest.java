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
                Http.publish(other.port(), "live", "before");
                exact.awaitCount(1);
                pattern.awaitCount(1);

                proxy.blackHoleExistingConnections();
                long cut = System.nanoTime();
                // Published while the node still believes its connection is fine: lost on the wire
                Http.publish(other.port(), "live", "m1");
                // What /observe/health/ready answers; read directly, as the node is not ready only
                // until it has reconnected (a tenth of a second and a handshake)
                long left = TimeUnit.SECONDS.toNanos(5) - (System.nanoTime() - cut);
                Await.until(() -> !behind.broker().isReady(), left, TimeUnit.NANOSECONDS, "not ready within 5 s of the black hole");
                Http.publish(other.port(), "live", "m2");
                // A publish taken by the cut-off node: never 200 for a message that went nowhere
                List<String> acceptedByBehind = new ArrayList<>();
                HttpResponse<String> r = Http.postForm(behind.port(), "channel=live&message=via-behind");
                if (r.statusCode() == 200) {
                    acceptedByBehind.add("via-behind");
                } else {
                    assertEquals("error", Http.json(r.body()).getString("status"), r.body());
                }
                Http.publish(other.port(), "live", "m3");

                Await.until(() -> behind.broker().isReady(), 20, TimeUnit.SECONDS, "reconnected by itself");
                assertEquals(200, ready(behind), "ready again");
                Http.publish(other.port(), "live", "after");

                List<String> expected = new ArrayList<>(List.of("before", "m1", "m2"));
                expected.addAll(acceptedByBehind);
                expected.addAll(List.of("m3", "after"));
                assertEquals(expected, data(exact.await(e -> e.size() >= expected.size() && last(e).equals("after"))),
                        "the missed messages arrive after the reconnect, in order, each once");
                assertEquals(expected, data(pattern.await(e -> e.size() >= expected.size() && last(e).equals("after"))),
                        "pattern subscribers too");
                assertTrue(((RedisBroker) behind.broker()).reconnects() >= 1);
                if (acceptedByBehind.isEmpty()) {
                    // Every stream on the healthy node saw the same messages: the refused one went nowhere
                    try (SseClient check = SseClient.open(other.port(), "channels=live&lastEventId=1-0")) {
                        assertFalse(data(check.await(e -> e.size() >= 5)).contains("via-behind"));
                    }
                }
            } finally {
                behind.close();
                other.close();
            }
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
