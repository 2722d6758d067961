package io.ssebroadcaster.redis;

import io.ssebroadcaster.Await;
import io.ssebroadcaster.Http;
import io.ssebroadcaster.RedisServer;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.SseClient;
import io.ssebroadcaster.TestServers;
import io.ssebroadcaster.hub.EventId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whoever can {@code PUBLISH} on Redis can publish to any channel, and nothing more: no payload
 * stops a node's delivery, injects SSE fields, or moves the node's position past Redis' clock.
 */
class HostileRedisPublishTest {

    static final char SEP = RedisEnvelope.SEPARATOR;

    static RedisServer redis;
    static SseBroadcaster node;
    static SseBroadcaster publisher;
    static Jedis raw;

    @BeforeAll
    static void start() {
        redis = RedisServer.start();
        node = TestServers.start("--broker", "redis", "--redis-port", Integer.toString(redis.port()));
        publisher = TestServers.start("--broker", "redis", "--redis-port", Integer.toString(redis.port()));
        raw = new Jedis("127.0.0.1", redis.port());
        Await.until(() -> node.broker().isReady() && publisher.broker().isReady(), "connected");
    }

    @AfterAll
    static void stop() {
        raw.close();
        node.close();
        publisher.close();
        redis.close();
    }

    static String channel() {
        return "h-" + UUID.randomUUID();
    }

    static String envelope(String id, String channels, String type, String data) {
        return RedisEnvelope.PREFIX + id + SEP + channels + SEP + type + SEP + data;
    }

    /** The payloads and their kin: each arrives as the raw message it is, and delivery goes on. */
    @Test
    void malformedEnvelopesNeitherStopDeliveryNorReconnect() {
        String ch = channel();
        long reconnects = ((RedisBroker) node.broker()).reconnects();
        long malformed = rejected(node, "malformed");
        try (SseClient sub = SseClient.open(node.port(), "channels=" + ch);
             SseClient onPattern = SseClient.open(node.port(), "channels=" + ch + "*")) {
            sub.awaitComments(1);
            onPattern.awaitComments(1);
            List<String> payloads = List.of(
                    "\u001eSSE\u001fbad\u001f\u001fdata",
                    RedisEnvelope.PREFIX + "bad" + SEP + SEP + "data",
                    envelope("bad", ch, "", "data"),
                    envelope("99999999999999999999-0", ch, "", "overflow"),
                    envelope("17", ch, "", "bare millis"),
                    envelope(" 17-2", ch, "", "space"),
                    envelope("17-2\u0000", ch, "", "nul in id"),
                    envelope("17-2", ch + ",bad channel", "", "channel list"),
                    envelope("17-2", "", "", "no channel"),
                    envelope("17-2", ch, "a\u0000b", "nul in type"));
            for (String p : payloads) {
                raw.publish(ch, p);
            }
            // invalid UTF-8 in the id (Jedis reads it as U+FFFD)
            raw.publish(ch.getBytes(StandardCharsets.UTF_8), (RedisEnvelope.PREFIX + "17-\u00ff" + SEP + ch + SEP + SEP + "x")
                    .getBytes(StandardCharsets.ISO_8859_1));
            Http.publish(publisher.port(), ch, "fine");
            List<SseClient.Received> got = sub.await(e -> !e.isEmpty() && e.getLast().data().equals("fine"));
            assertEquals(payloads.size() + 2, got.size(), "each malformed envelope arrives once, as raw: " + got);
            assertEquals(payloads, data(got).subList(0, payloads.size()));
            assertTrue(got.stream().allMatch(e -> e.event() == null), "no event type from a malformed envelope");
            onPattern.await(e -> !e.isEmpty() && e.getLast().data().equals("fine"));
            assertEquals(data(got), data(onPattern.events()), "the pattern subscriber gets the same, once each");
            assertEquals(reconnects, ((RedisBroker) node.broker()).reconnects(), "the subscriber connection never dropped");
            // the first payload has the first version's prefix: raw, not a malformed envelope
            Await.until(() -> rejected(node, "malformed") == malformed + payloads.size(), "counted");
        }
    }

    /** A newline in an envelope's event type would forge {@code data:} and {@code id:} lines in browsers. */
    @Test
    void anEventTypeWithALineBreakInjectsNothing() {
        String ch = channel();
        try (SseClient sub = SseClient.open(node.port(), "channels=" + ch)) {
            sub.awaitComments(1);
            EventId anchor = EventId.parse(Http.publish(publisher.port(), ch, "anchor"));
            sub.awaitCount(1);
            // the next id Redis would issue: a forger knows it, only the event type gives it away
            String next = anchor.millis() + "-" + (anchor.sequence() + 1);
            raw.publish(ch, envelope(next, ch, "evil\ndata: injected\nid: 9", "payload"));
            raw.publish(ch, envelope(next, ch, "evil\rid: 9", "payload"));
            Http.publish(publisher.port(), ch, "after");
            List<SseClient.Received> got = sub.await(e -> !e.isEmpty() && e.getLast().data().equals("after"));
            assertEquals(4, got.size(), "anchor, the two forged ones as raw text, after: " + got);
            assertTrue(got.stream().allMatch(e -> e.event() == null), "no event type: " + got);
            assertFalse(got.stream().anyMatch(e -> "9".equals(e.id()) || "injected".equals(e.data())), "nothing injected: " + got);
        }
    }

    /**
     * An envelope whose id is ahead of every id Redis has issued would make the node skip the next
     * real messages as copies, and number raw ones after it: it arrives as raw and moves nothing.
     */
    @Test
    void aForgedIdFromTheFutureMovesNothing() {
        String ch = channel();
        long unissued = rejected(node, "unissued");
        try (SseClient sub = SseClient.open(node.port(), "channels=" + ch)) {
            sub.awaitComments(1);
            Http.publish(publisher.port(), ch, "before");
            sub.awaitCount(1);
            String forged = envelope("999999999999999999-0", ch, "", "forged");
            raw.publish(ch, forged);
            String anHourAhead = envelope((redisMillis() + 3_600_000) + "-0", ch, "", "an hour ahead");
            raw.publish(ch, anHourAhead);
            Http.publish(publisher.port(), ch, "after");
            raw.publish(ch, "raw after");
            List<SseClient.Received> got = sub.await(e -> !e.isEmpty() && e.getLast().data().equals("raw after"));
            assertEquals(List.of("before", forged, anHourAhead, "after", "raw after"), data(got),
                    "nothing skipped, the forged ones as raw text");
            long redisNow = redisMillis();
            for (SseClient.Received e : got) {
                assertTrue(EventId.parse(e.id()).millis() <= redisNow, "no id past Redis' clock: " + got);
            }
            Await.until(() -> rejected(node, "unissued") == unissued + 2, "counted");
        }
    }

    /**
     * A pattern hears every channel Redis has, also names no client could subscribe to or publish
     * to through the API: those raw messages are dropped and counted.
     */
    @Test
    void aRawMessageOnAnInvalidChannelNameIsDroppedAndCounted() {
        String ch = channel();
        long before = rejected(node, "channel");
        try (SseClient onPattern = SseClient.open(node.port(), "channels=" + ch + "*")) {
            onPattern.awaitComments(1);
            raw.publish(ch + " with a space", "a");
            raw.publish(ch + "\nid: 9", "b");
            raw.publish(ch + "x".repeat(300), "c");
            raw.publish(ch + ".fine", "d");
            List<SseClient.Received> got = onPattern.await(e -> !e.isEmpty() && e.getLast().data().equals("d"));
            assertEquals(List.of("d"), data(got));
            Await.until(() -> rejected(node, "channel") == before + 3, "counted");
        }
    }

    /**
     * A raw message larger than the API accepts ({@code --max-message-bytes}, 64 KiB of UTF-8 here)
     * would be queued for every subscriber: it is dropped and counted. As an envelope's data, too.
     */
    @Test
    void aMessageLargerThanTheApiAllowsIsDroppedAndCounted() {
        String ch = channel();
        long before = rejected(node, "too_large");
        try (SseClient sub = SseClient.open(node.port(), "channels=" + ch)) {
            sub.awaitComments(1);
            String fits = "\u00e9".repeat(32_768); // two bytes each: 65,536 bytes
            raw.publish(ch, "x".repeat(65_537));
            raw.publish(ch, fits + "x");
            raw.publish(ch, fits);
            raw.publish(ch, envelope("999999999999999999-0", ch, "", fits + "x")); // delivered as raw: too large
            String anchor = Http.publish(publisher.port(), ch, "anchor");
            EventId next = EventId.parse(anchor).successor();
            raw.publish(ch, envelope(next.toString(), ch, "", "y".repeat(65_537)));
            Http.publish(publisher.port(), ch, "after");
            List<SseClient.Received> got = sub.await(e -> !e.isEmpty() && e.getLast().data().equals("after"));
            assertEquals(List.of(fits, "anchor", "after"), data(got));
            Await.until(() -> rejected(node, "too_large") == before + 4, "counted");
        }
    }

    /** Redis' clock, as the publish script reads it. */
    static long redisMillis() {
        List<String> time = raw.time();
        return Long.parseLong(time.get(0)) * 1000 + Long.parseLong(time.get(1)) / 1000;
    }

    static List<String> data(List<SseClient.Received> events) {
        return events.stream().map(SseClient.Received::data).toList();
    }

    /** What the node counted (the metric reads the same; see {@link #theCountsAreMetrics}). */
    static long rejected(SseBroadcaster n, String reason) {
        return ((RedisBroker) n.broker()).rejected().count(RejectedMessages.Reason.valueOf(reason.toUpperCase(java.util.Locale.ROOT)));
    }

    /** {@code sse_redis_messages_rejected_total{reason=...}}, one per reason. */
    @Test
    void theCountsAreMetrics() {
        String ch = channel();
        try (SseClient sub = SseClient.open(node.port(), "channels=" + ch)) {
            sub.awaitComments(1);
            raw.publish(ch, envelope("not-an-id", ch, "", "x"));
            sub.awaitCount(1);
        }
        Await.until(() -> metric(node, "malformed") == rejected(node, "malformed") && metric(node, "malformed") >= 1,
                "the metric");
        for (RejectedMessages.Reason r : RejectedMessages.Reason.values()) {
            assertEquals(rejected(node, r.tag()), metric(node, r.tag()), r.tag());
        }
    }

    static long metric(SseBroadcaster n, String reason) {
        String metrics = Http.get(n.port(), "/observe/metrics").body();
        return metrics.lines()
                .filter(l -> l.startsWith("sse_redis_messages_rejected_total") && l.contains("reason=\"" + reason + "\""))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .findFirst().orElse(-1);
    }
}
