package io.ssebroadcaster.redis;

import io.ssebroadcaster.Await;
import io.ssebroadcaster.Http;
import io.ssebroadcaster.RedisServer;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.SseClient;
import io.ssebroadcaster.TestServers;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * After its subscriber connection was down, a node delivers what was published meanwhile to every
 * local subscriber: on channels and on patterns, and also when it had delivered nothing before.
 */
class RedisCatchUpTest {

    /**
     * The node under test logs in as its own Redis user, so Redis can shut it out alone while
     * another node goes on publishing.
     */
    private record Pair(RedisServer redis, SseBroadcaster cutOff, SseBroadcaster publisher) implements AutoCloseable {

        static Pair start(RedisServer redis) {
            redis.cli("acl", "setuser", "cutoff", "on", ">secret", "~*", "&*", "+@all");
            SseBroadcaster cutOff = TestServers.start("--broker", "redis",
                    "--redis-url", "redis://cutoff:secret@127.0.0.1:" + redis.port());
            SseBroadcaster publisher = TestServers.start("--broker", "redis", "--redis-port", Integer.toString(redis.port()));
            return new Pair(redis, cutOff, publisher);
        }

        void awaitReady() {
            Await.until(() -> cutOff.broker().isReady() && publisher.broker().isReady(), "connected");
        }

        void cut() {
            redis.cli("acl", "setuser", "cutoff", "off");
            redis.cli("client", "kill", "user", "cutoff");
            Await.until(() -> !cutOff.broker().isReady(), "disconnected");
        }

        void restore() {
            redis.cli("acl", "setuser", "cutoff", "on");
            Await.until(() -> cutOff.broker().isReady(), 20, TimeUnit.SECONDS, "reconnected");
        }

        void publish(String channel, String message) {
            Http.publish(publisher.port(), channel, message);
        }

        @Override
        public void close() {
            cutOff.close();
            publisher.close();
        }
    }

    /** Started on an empty Redis, the node had no position yet: it still reads back what it missed. */
    @Test
    void aNodeThatHadDeliveredNothingYetCatchesUp() {
        try (RedisServer redis = RedisServer.start(); Pair nodes = Pair.start(redis);
             SseClient exact = SseClient.open(nodes.cutOff().port(), "channels=fresh");
             SseClient pattern = SseClient.open(nodes.cutOff().port(), "channels=pat.*")) {
            exact.awaitComments(1);
            pattern.awaitComments(1);
            nodes.awaitReady();

            nodes.cut();
            nodes.publish("fresh", "f1");
            nodes.publish("pat.x", "p1");
            nodes.publish("fresh", "f2");
            assertFalse(nodes.cutOff().broker().isReady(), "still cut off: these are for the catch-up");
            nodes.restore();
            nodes.publish("fresh", "f3");
            nodes.publish("pat.y", "p2");

            assertEquals(List.of("f1", "f2", "f3"), data(exact.await(e -> e.size() >= 3 && last(e).equals("f3"))));
            assertEquals(List.of("p1", "p2"), data(pattern.await(e -> e.size() >= 2 && last(e).equals("p2"))));
        }
    }

    /** A node whose only subscriber follows a pattern reads back the pattern's channels. */
    @Test
    void patternSubscribersCatchUp() {
        try (RedisServer redis = RedisServer.start(); Pair nodes = Pair.start(redis);
             SseClient pattern = SseClient.open(nodes.cutOff().port(), "channels=news.*")) {
            pattern.awaitComments(1);
            nodes.awaitReady();
            nodes.publish("news.a", "before");
            pattern.awaitCount(1);

            nodes.cut();
            nodes.publish("news.b", "m1");
            nodes.publish("other", "not for it");
            nodes.publish("news.c", "m2");
            nodes.publish("news.b", "m3");
            nodes.restore();
            nodes.publish("news.a", "after");

            assertEquals(List.of("before", "m1", "m2", "m3", "after"),
                    data(pattern.await(e -> e.size() >= 5 && last(e).equals("after"))));
        }
    }

    /**
     * {@code CLIENT KILL TYPE pubsub} drops every node's subscriber connection at once: a node with
     * only a pattern subscriber and no message delivered yet still catches up.
     */
    @Test
    void aFreshPatternOnlyNodeCatchesUpAfterClientKillTypePubsub() {
        try (RedisServer redis = RedisServer.start(); Pair nodes = Pair.start(redis);
             SseClient pattern = SseClient.open(nodes.cutOff().port(), "channels=k*")) {
            pattern.awaitComments(1);
            nodes.awaitReady();
            long before = ((RedisBroker) nodes.cutOff().broker()).reconnects();
            // shut the node out first, so its reconnect cannot win the race against the publishes
            redis.cli("acl", "setuser", "cutoff", "off");
            redis.cli("client", "kill", "type", "pubsub");
            Await.until(() -> !nodes.cutOff().broker().isReady(), "disconnected");
            nodes.publish("k1", "one");
            nodes.publish("k2", "two");
            nodes.restore();
            nodes.publish("k1", "three");
            assertEquals(List.of("one", "two", "three"), data(pattern.await(e -> e.size() >= 3 && last(e).equals("three"))));
            Await.until(() -> ((RedisBroker) nodes.cutOff().broker()).reconnects() > before, "counted as a reconnect");
        }
    }

    private static String last(List<SseClient.Received> events) {
        return events.isEmpty() ? "" : events.getLast().data();
    }

    private static List<String> data(List<SseClient.Received> events) {
        return events.stream().map(SseClient.Received::data).toList();
    }
}
