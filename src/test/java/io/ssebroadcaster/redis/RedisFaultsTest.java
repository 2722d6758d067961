package io.ssebroadcaster.redis;

import io.ssebroadcaster.Await;
import io.ssebroadcaster.Http;
import io.ssebroadcaster.RedisServer;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.SseClient;
import io.ssebroadcaster.TestServers;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Redis dying, restarting, or absent at start: the nodes keep serving and recover by themselves. */
class RedisFaultsTest {

    static SseBroadcaster node(RedisServer redis) {
        return node(redis.port());
    }

    static SseBroadcaster node(int redisPort) {
        return TestServers.start("--broker", "redis", "--redis-port", Integer.toString(redisPort));
    }

    @Test
    void killMinus9AndRestartOnTheSamePortResumesDeliveryWithoutRestartingNodes() {
        try (RedisServer redis = RedisServer.start()) {
            SseBroadcaster a = node(redis);
            SseBroadcaster b = node(redis);
            try (SseClient onA = SseClient.open(a.port(), "channels=live");
                 SseClient onB = SseClient.open(b.port(), "channels=live,live.*")) {
                onA.awaitComments(1);
                onB.awaitComments(1);
                Await.until(() -> a.broker().isReady() && b.broker().isReady(), "connected");
                Http.publish(a.port(), "live", "before");
                onB.awaitCount(1);

                redis.kill();
                Await.until(() -> !a.broker().isReady() && !b.broker().isReady(), 20, TimeUnit.SECONDS, "outage noticed");
                HttpResponse<String> refused = Http.postForm(a.port(), "channel=live&message=lost");
                assertEquals(503, refused.statusCode(), "never 200 for a message that went nowhere");
                assertEquals("error", Http.json(refused.body()).getString("status"));
                assertFalse(onA.ended(), "streams stay open while Redis is down");

                redis.restart();
                Await.until(() -> a.broker().isReady() && b.broker().isReady(), 20, TimeUnit.SECONDS, "reconnected");
                Http.publish(b.port(), "live", "after");
                redis.cli("publish", "live.sub", "pattern-after");
                assertEquals(List.of("before", "after"), data(onA.awaitCount(2)));
                assertEquals(List.of("before", "after", "pattern-after"), data(onB.awaitCount(3)));
                assertTrue(((RedisBroker) a.broker()).reconnects() >= 1);
            } finally {
                a.close();
                b.close();
            }
        }
    }

    @Test
    void redisDownAtStartServerStillServesThenConnectsWhenRedisAppears() {
        int port = RedisServer.freePort();
        SseBroadcaster server = node(port);
        try (SseClient sub = SseClient.open(server.port(), "channels=early")) {
            assertEquals(200, sub.status(), "streams open without Redis");
            sub.awaitComments(1);
            assertFalse(server.broker().isReady());
            assertEquals(200, Http.get(server.port(), "/static/jquery.min.js").statusCode());
            assertEquals(503, Http.postForm(server.port(), "channel=early&message=x").statusCode());
            try (RedisServer redis = RedisServer.startOnPort(port)) {
                Await.until(() -> server.broker().isReady(), 20, TimeUnit.SECONDS, "connected after Redis appeared");
                Http.publish(server.port(), "early", "now");
                assertEquals(List.of("now"), data(sub.awaitCount(1)));
                assertEquals("1", redis.cli("pubsub", "numsub", "early").lines().toList().get(1),
                        "the channel wanted before Redis came up is followed now");
            }
        } finally {
            server.close();
        }
    }

    @Test
    void nodeFollowsOnlyWhatItsClientsWantAndLetsGoAfterwards() {
        try (RedisServer redis = RedisServer.start()) {
            SseBroadcaster server = TestServers.start("--broker", "redis", "--redis-port",
                    Integer.toString(redis.port()), "--heartbeat", "1");
            try {
                Await.until(() -> server.broker().isReady(), "connected");
                assertEquals("0", redis.cli("pubsub", "numsub", "watched").lines().toList().get(1));
                try (SseClient a = SseClient.open(server.port(), "channels=watched");
                     SseClient b = SseClient.open(server.port(), "channels=watched")) {
                    a.awaitComments(1);
                    b.awaitComments(1);
                    assertEquals("1", redis.cli("pubsub", "numsub", "watched").lines().toList().get(1),
                            "one upstream subscription however many local clients");
                }
                Await.until(() -> redis.cli("pubsub", "numsub", "watched").lines().toList().get(1).equals("0"),
                        "unsubscribed after the last client left");
            } finally {
                server.close();
            }
        }
    }

    /**
     * A node cut off from Redis while another keeps publishing reads what it missed from the
     * streams when it is back: each message once, as one event however many of its channels and
     * patterns the node follows, in order, with the live ones after it.
     */
    @Test
    void catchUpAfterAReconnectDeliversEachMissedMessageOnce() {
        try (RedisServer redis = RedisServer.start()) {
            // The cut-off node logs in as its own user, so Redis can refuse it alone for a while
            redis.cli("acl", "setuser", "cutoff", "on", ">secret", "~*", "&*", "+@all");
            SseBroadcaster cutOff = TestServers.start("--broker", "redis",
                    "--redis-url", "redis://cutoff:secret@127.0.0.1:" + redis.port());
            SseBroadcaster publisher = node(redis);
            try (SseClient onA = SseClient.open(cutOff.port(), "channels=a");
                 SseClient onB = SseClient.open(cutOff.port(), "channels=b");
                 SseClient onBoth = SseClient.open(cutOff.port(), "channels=a,b");
                 SseClient onPattern = SseClient.open(cutOff.port(), "channels=a*")) {
                List<SseClient> all = List.of(onA, onB, onBoth, onPattern);
                all.forEach(c -> c.awaitComments(1));
                Await.until(() -> cutOff.broker().isReady() && publisher.broker().isReady(), "connected");
                Http.postForm(publisher.port(), "channel=a&channel=b&message=before");
                all.forEach(c -> c.awaitCount(1));
                long published = 1;
                assertPublished(published, cutOff, "one event in the node's hub");

                redis.cli("acl", "setuser", "cutoff", "off");
                redis.cli("client", "kill", "user", "cutoff");
                Await.until(() -> !cutOff.broker().isReady(), "disconnected");
                assertEquals(200, Http.postForm(publisher.port(), "channel=a&channel=b&message=m1").statusCode());
                Http.publish(publisher.port(), "b", "m2");
                assertEquals(200, Http.postForm(publisher.port(), "channel=b&channel=a&message=m3").statusCode());
                assertFalse(cutOff.broker().isReady(), "still cut off: the three are for the catch-up");

                redis.cli("acl", "setuser", "cutoff", "on");
                Await.until(() -> cutOff.broker().isReady(), 20, TimeUnit.SECONDS, "reconnected");
                assertEquals(200, Http.postForm(publisher.port(), "channel=a&channel=b&message=after").statusCode());

                List<String> onAChannel = List.of("before", "m1", "m3", "after");
                List<String> everything = List.of("before", "m1", "m2", "m3", "after");
                assertEquals(onAChannel, data(onA.awaitCount(4)));
                assertEquals(everything, data(onB.awaitCount(5)));
                assertEquals(everything, data(onBoth.awaitCount(5)));
                assertEquals(onAChannel, data(onPattern.awaitCount(4)));
                assertPublished(published + 4, cutOff, "each message one event");
                Http.publish(publisher.port(), "a", "last");
                onA.awaitCount(5);
                onBoth.awaitCount(6);
                onPattern.awaitCount(5);
                assertPublished(published + 5, cutOff, "no late copies");
                assertEquals(List.of(5, 5, 6, 5), all.stream().map(c -> c.events().size()).toList());
                assertTrue(((RedisBroker) cutOff.broker()).reconnects() >= 1);
            } finally {
                cutOff.close();
                publisher.close();
            }
        }
    }

    /** As {@link RedisBrokerTest#assertPublished}. */
    static void assertPublished(long expected, SseBroadcaster node, String what) {
        RedisBrokerTest.assertPublished(expected, node, what);
    }

    static List<String> data(List<SseClient.Received> events) {
        return events.stream().map(SseClient.Received::data).toList();
    }
}
