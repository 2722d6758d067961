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

    /** The same with a pattern: the replay is found through the channel index, and handed over to live events. */
    @Test
    void resumeWithAPatternOnAnotherNodeWithoutGapOrDuplicate() throws Exception {
        String prefix = "resume-" + UUID.randomUUID();
        ResumeScenario.run(prefix + ".*", prefix + ".x", 400, i -> (i % 2 == 0 ? a : b).port(),
                n -> (n % 2 == 0 ? b : a).port());
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
        char sep = RedisEnvelope.SEPARATOR;
        try (SseClient sub = SseClient.open(a.port(), "channels=" + ch)) {
            sub.awaitComments(1);
            redis.cli("publish", ch, RedisEnvelope.PREFIX + "not-an-envelope");
            redis.cli("publish", ch, RedisEnvelope.PREFIX + "not-an-id" + sep + ch + sep + sep + "x");
            redis.cli("publish", ch, RedisEnvelope.PREFIX + "1-0" + sep + "bad channel" + sep + sep + "x");
            redis.cli("publish", ch, RedisEnvelope.PREFIX + "1-0" + sep + "not-this-one" + sep + sep + "x");
            redis.cli("publish", ch, "\u001eSSE\u001fnot-an-envelope"); // the first version's prefix
            redis.cli("publish", ch, "multi\nline");
            Http.publish(b.port(), ch, "fine");
            List<SseClient.Received> got = sub.await(events -> events.stream().anyMatch(e -> e.data().equals("fine")),
                    10, TimeUnit.SECONDS);
            assertTrue(got.stream().anyMatch(e -> e.data().equals("multi\nline")));
            assertEquals(7, got.size(), "the malformed envelopes arrive as the raw messages they are: " + got);
            Http.publish(b.port(), ch, "still fine");
            sub.await(events -> events.size() == 8 && events.getLast().data().equals("still fine"));
        }
    }

    static long published(SseBroadcaster node) {
        return Http.json(Http.get(node.port(), "/stats").body()).getJsonNumber("published").longValue();
    }

    /**
     * {@code /stats} counts an event just after handing it out, so a client can see it a moment
     * before the count does: wait for the count to reach {@code expected}, then require it be no more.
     */
    static void assertPublished(long expected, SseBroadcaster node, String what) {
        Await.until(() -> published(node) >= expected, "published to reach " + expected);
        assertEquals(expected, published(node), what);
    }

    /**
     * As with the memory broker: one id, one event in each node's hub listing all its channels,
     * counted once, each subscriber getting it once whether it follows one channel, both or a pattern.
     */
    @Test
    void multiChannelPublishIsOneEventOnTheReceivingNode() {
        String prefix = "multi-" + UUID.randomUUID() + "-";
        String x = prefix + "a";
        String y = prefix + "b";
        try (SseClient onX = SseClient.open(b.port(), "channels=" + x);
             SseClient onY = SseClient.open(b.port(), "channels=" + y);
             SseClient onBoth = SseClient.open(b.port(), "channels=" + x + "&channels=" + y);
             SseClient onPattern = SseClient.open(b.port(), "channels=" + prefix + "a*")) {
            List<SseClient> all = List.of(onX, onY, onBoth, onPattern);
            all.forEach(c -> c.awaitComments(1));
            long before = published(b);

            String id = Http.json(Http.postForm(a.port(), "channel=" + x + "&channel=" + y + "&message=once").body())
                    .getString("id");
            for (SseClient c : all) {
                c.awaitCount(1);
            }
            assertPublished(before + 1, b, "one event in the receiving node's hub");

            // A later publish on the same channels: any further copy of the first would have come before it
            String next = Http.json(Http.postForm(a.port(), "channel=" + x + "&channel=" + y + "&message=next").body())
                    .getString("id");
            for (SseClient c : all) {
                List<SseClient.Received> got = c.awaitCount(2);
                assertEquals(List.of("once", "next"), data(got));
                assertEquals(List.of(id, next), got.stream().map(SseClient.Received::id).toList());
            }
            assertPublished(before + 2, b, "one event each");
            for (SseClient c : all) {
                assertEquals(2, c.events().size(), "no duplicates");
            }
        }
    }

    /** Replay from the streams (on a node that never held them in memory, and on one that did) has each id once. */
    @Test
    void replayOfAMultiChannelPublishHasItOnce() {
        String prefix = "replay-" + UUID.randomUUID() + "-";
        String x = prefix + "a";
        String y = prefix + "b";
        String query = "channels=" + x + "&channels=" + y + "&channels=" + prefix + "*";
        try (SseClient live = SseClient.open(b.port(), query)) {
            live.awaitComments(1);
            String start = Http.publish(a.port(), x, "start");
            Http.postForm(a.port(), "channel=" + x + "&channel=" + y + "&message=both");
            Http.publish(a.port(), y, "end");
            live.awaitCount(3);
            List<String> expected = new ArrayList<>(List.of("both", "end"));
            for (SseBroadcaster node : List.of(a, b)) {
                try (SseClient resumed = SseClient.open(node.port(), query, "Last-Event-ID", start)) {
                    resumed.awaitComments(1);
                    // A live event after the replay: nothing may come twice before it
                    String sentinel = "live-" + node.port();
                    Http.publish(a.port(), x, sentinel);
                    expected.add(sentinel);
                    assertEquals(expected, data(resumed.await(events -> !events.isEmpty()
                            && events.getLast().data().equals(sentinel))));
                }
            }
        }
    }
}
