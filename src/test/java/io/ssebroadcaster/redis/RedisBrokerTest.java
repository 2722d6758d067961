package io.ssebroadcaster.redis;

import io.ssebroadcaster.Await;
import io.ssebroadcaster.Http;
import io.ssebroadcaster.RedisServer;
import io.ssebroadcaster.ResumeScenario;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.SseClient;
import io.ssebroadcaster.TestServers;
import io.ssebroadcaster.TruncationCheck;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two nodes on one real Redis act as one hub. */
class RedisBrokerTest {

    static RedisServer redis;
    static SseBroadcaster a;
    static SseBroadcaster b;

    @BeforeAll
    static void start() {
        redis = RedisServer.start();
        a = node("--history-size", "5000");
        b = node("--history-size", "5000");
        Await.until(() -> a.broker().isReady() && b.broker().isReady(), "both nodes connected to Redis");
    }

    static SseBroadcaster node(String... flags) {
        List<String> args = new ArrayList<>(List.of("--broker", "redis", "--redis-port", Integer.toString(redis.port())));
        args.addAll(List.of(flags));
        return TestServers.start(args.toArray(String[]::new));
    }

    @AfterAll
    static void stop() {
        a.close();
        b.close();
        redis.close();
    }

    static String channel() {
        return "c-" + UUID.randomUUID();
    }

    static List<String> data(List<SseClient.Received> events) {
        return events.stream().map(SseClient.Received::data).toList();
    }

    @Test
    void seedRedisCliPublishReachesTheBrowserAsIs() {
        try (SseClient sub = SseClient.open(a.port(), "channels=base")) {
            sub.awaitComments(1);
            assertEquals("1", redis.cli("publish", "base", "[1, 2, 3]"), "one node subscribed to base");
            assertEquals(List.of("[1, 2, 3]"), data(sub.awaitCount(1)));
        }
    }

    @Test
    void publishOnOneNodeReachesSubscribersOnEveryNodeOnce() {
        String ch = channel();
        try (SseClient onA = SseClient.open(a.port(), "channels=" + ch);
             SseClient onB = SseClient.open(b.port(), "channels=" + ch)) {
            onA.awaitComments(1);
            onB.awaitComments(1);
            String id = Http.publish(a.port(), ch, "hello");
            Http.publish(b.port(), ch, "back");
            assertEquals(List.of("hello", "back"), data(onA.awaitCount(2)));
            assertEquals(List.of("hello", "back"), data(onB.awaitCount(2)));
            assertEquals(id, onB.events().get(0).id(), "the stream entry id is the event id on every node");
            Http.publish(a.port(), ch, "third");
            onA.awaitCount(3);
            onB.awaitCount(3);
            assertEquals(3, onA.events().size(), "no duplicates");
            assertEquals(3, onB.events().size(), "no duplicates");
        }
    }

    @Test
    void patternSubscriptionsAcrossNodes() {
        String prefix = "news-" + UUID.randomUUID();
        try (SseClient sub = SseClient.open(b.port(), "channels=" + prefix + ".*")) {
            sub.awaitComments(1);
            Http.publish(a.port(), prefix + ".sport", "goal");
            redis.cli("publish", prefix + ".weather", "rain");
            Http.publish(a.port(), "elsewhere-" + prefix, "no");
            assertEquals(List.of("goal", "rain"), data(sub.awaitCount(2)));
        }
    }

    @Test
    void exactAndPatternSubscriptionOnOneNodeStillDeliverOnce() {
        String prefix = "dup-" + UUID.randomUUID();
        try (SseClient exact = SseClient.open(a.port(), "channels=" + prefix + ".x");
             SseClient pattern = SseClient.open(a.port(), "channels=" + prefix + ".*")) {
            exact.awaitComments(1);
            pattern.awaitComments(1);
            Http.publish(b.port(), prefix + ".x", "api");
            redis.cli("publish", prefix + ".x", "raw");
            Http.publish(b.port(), prefix + ".x", "end");
            assertEquals(List.of("api", "raw", "end"), data(exact.awaitCount(3)));
            assertEquals(List.of("api", "raw", "end"), data(pattern.awaitCount(3)));
        }
    }

    @Test
    void multiChannelPublishReachesEachSubscriberOnce() {
        String x = channel();
        String y = channel();
        try (SseClient both = SseClient.open(b.port(), "channels=" + x + "," + y);
             SseClient onlyY = SseClient.open(b.port(), "channels=" + y)) {
            both.awaitComments(1);
            onlyY.awaitComments(1);
            Http.postForm(a.port(), "channel=" + x + "&channel=" + y + "&message=both");
            Http.publish(a.port(), y, "after");
            assertEquals(List.of("both", "after"), data(both.awaitCount(2)));
            assertEquals(List.of("both", "after"), data(onlyY.awaitCount(2)));
        }
    }

    /** Drop from node A, come back on node B with Last-Event-ID, while a publisher keeps going. */
    @Test
    void resumeOnAnotherNodeWithoutGapOrDuplicate() throws Exception {
        // publishes alternate between the nodes, and so do the client's connections
        ResumeScenario.run(channel(), 400, i -> (i % 2 == 0 ? a : b).port(), n -> (n % 2 == 0 ? a : b).port());
    }

    @Test
    void historyTrimmedInRedisIsReportedOnResume() {
        try (SseBroadcaster small = node("--history-size", "2")) {
            TruncationCheck.assertResumeBeyondHistoryIsReported(small);
        }
    }

    @Test
    void stalledOrMalformedInputOnRedisDoesNotBreakDelivery() {
        String ch = channel();
        try (SseClient sub = SseClient.open(a.port(), "channels=" + ch)) {
            sub.awaitComments(1);
            redis.cli("publish", ch, "\u001eSSE\u001fnot-an-envelope");
            redis.cli("publish", ch, "multi\nline");
            Http.publish(b.port(), ch, "fine");
            List<SseClient.Received> got = sub.await(events -> events.stream().anyMatch(e -> e.data().equals("fine")),
                    10, TimeUnit.SECONDS);
            assertTrue(got.stream().anyMatch(e -> e.data().equals("multi\nline")));
        }
    }
}
