package io.ssebroadcaster.redis;

import io.ssebroadcaster.Await;
import io.ssebroadcaster.Http;
import io.ssebroadcaster.RedisServer;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.SseClient;
import io.ssebroadcaster.SubscribeAttempt;
import io.ssebroadcaster.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * With Redis, a node follows each distinct pattern its clients hold with one {@code PSUBSCRIBE}, and
 * never more than {@code --max-node-patterns} of them: {@code PUBSUB NUMPAT} (this Redis has one
 * node) tracks the patterns held, a new one beyond the cap is refused, and the last subscriber's
 * departure unsubscribes it and frees its slot.
 */
class RedisPatternCapsTest {

    static RedisServer redis;
    static SseBroadcaster node;

    @BeforeAll
    static void start() {
        redis = RedisServer.start();
        node = TestServers.start("--broker", "redis", "--redis-port", Integer.toString(redis.port()),
                "--max-patterns", "4", "--max-node-patterns", "3");
        Await.until(() -> node.broker().isReady(), "the node connected to Redis");
    }

    @AfterAll
    static void stop() {
        node.close();
        redis.close();
    }

    static int numpat() {
        return Integer.parseInt(redis.cli("pubsub", "numpat"));
    }

    @Test
    void redisFollowsEachDistinctPatternOnceAndNoMoreThanTheCap() {
        Await.until(() -> numpat() == 0, "no pattern left from another test");
        try (SubscribeAttempt ab = SubscribeAttempt.open(node.port(), "channels=a.*,b.*");
             SubscribeAttempt ba = SubscribeAttempt.open(node.port(), "channels=b.*,a.*,x")) {
            assertEquals(200, ab.status(), ab.body());
            assertEquals(200, ba.status(), ba.body());
            assertEquals(2, numpat());
            try (SubscribeAttempt c = SubscribeAttempt.open(node.port(), "channels=c.*")) {
                assertEquals(200, c.status(), c.body());
                assertEquals(3, numpat());
                SubscribeAttempt.open(node.port(), "channels=d.*").assertRefused("--max-node-patterns 3");
                assertEquals(3, numpat(), "a refused pattern is never subscribed in Redis");
            }
            Await.until(() -> numpat() == 2, "c.* unsubscribed after its only subscriber left");
            try (SubscribeAttempt d = SubscribeAttempt.open(node.port(), "channels=d.*")) {
                assertEquals(200, d.status(), d.body());
                assertEquals(3, numpat());
            }
        }
        Await.until(() -> numpat() == 0, "every pattern unsubscribed once nobody holds it");
    }

    /** One raw message matching two patterns and a channel on one node reaches each subscriber once. */
    @Test
    void overlappingPatternsDeliverARawMessageOnce() {
        Await.until(() -> numpat() == 0, "no pattern left from another test");
        try (SseClient wide = SseClient.open(node.port(), "channels=o*");
             SseClient narrow = SseClient.open(node.port(), "channels=ov*");
             SseClient both = SseClient.open(node.port(), "channels=o*,ov*,ovx")) {
            wide.awaitComments(1);
            narrow.awaitComments(1);
            both.awaitComments(1);
            redis.cli("publish", "ovx", "raw");
            Http.publish(node.port(), "ovx", "end");
            for (SseClient c : List.of(wide, narrow, both)) {
                assertEquals(List.of("raw", "end"), c.awaitCount(2).stream().map(SseClient.Received::data).toList());
            }
            Http.publish(node.port(), "ovx", "last");
            for (SseClient c : List.of(wide, narrow, both)) {
                assertEquals(List.of("raw", "end", "last"),
                        c.awaitCount(3).stream().map(SseClient.Received::data).toList(), "no duplicate");
            }
        }
    }
}
