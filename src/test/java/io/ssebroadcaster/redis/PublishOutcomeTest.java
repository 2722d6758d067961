package io.ssebroadcaster.redis;

import io.ssebroadcaster.Await;
import io.ssebroadcaster.Http;
import io.ssebroadcaster.RedisServer;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.SseClient;
import io.ssebroadcaster.TestServers;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A publish Redis took but did not answer is "outcome unknown", never "not published": Redis may run
 * it when it resumes. A retry with the same idempotency key, on any node, is answered with the id the
 * message got and is not published again.
 */
class PublishOutcomeTest {

    @Test
    void aPublishToAPausedRedisIsUnknownThenArrivesAndItsRetryIsDeliveredOnce() {
        try (RedisServer redis = RedisServer.start()) {
            SseBroadcaster a = RedisFaultsTest.node(redis);
            SseBroadcaster b = RedisFaultsTest.node(redis);
            try (SseClient sub = SseClient.open(a.port(), "channels=paused")) {
                sub.awaitComments(1);
                Await.until(() -> a.broker().isReady() && b.broker().isReady(), "connected");
                // A few pooled connections, so the publish below finds one open rather than connecting
                IntStream.range(0, 4).parallel().forEach(i -> Http.publish(a.port(), "paused", "warm-up"));
                sub.awaitCount(4);

                redis.pause();
                HttpResponse<String> unknown;
                try {
                    unknown = Http.postForm(a.port(), "channel=paused&message=m1", "Idempotency-Key", "order-17");
                } finally {
                    redis.resume();
                }
                assertEquals(504, unknown.statusCode(), unknown.body());
                JsonObject error = Http.json(unknown.body());
                assertEquals("error", error.getString("status"));
                assertTrue(error.getString("error").startsWith("publish outcome unknown"), error.toString());

                // Redis ran it once it could: it was published after all
                SseClient.Received m1 = sub.awaitCount(5).get(4);
                assertEquals("m1", m1.data());

                // The publisher retries, here on the other node: same id, not published again
                HttpResponse<String> retry = Http.postForm(b.port(), "channel=paused&message=m1",
                        "Idempotency-Key", "order-17");
                assertEquals(200, retry.statusCode(), retry.body());
                assertEquals(m1.id(), Http.json(retry.body()).getString("id"));
                Http.publish(a.port(), "paused", "marker");
                List<String> after = sub.awaitCount(6).subList(4, 6).stream().map(SseClient.Received::data).toList();
                assertEquals(List.of("m1", "marker"), after, "m1 exactly once");
            } finally {
                a.close();
                b.close();
            }
        }
    }

    @Test
    void aRetryWithTheSameKeyBeforeTheWindowEndsIsTheSameMessage() {
        try (RedisServer redis = RedisServer.start()) {
            SseBroadcaster node = RedisFaultsTest.node(redis);
            try (SseClient sub = SseClient.open(node.port(), "channels=orders")) {
                sub.awaitComments(1);
                Await.until(() -> node.broker().isReady(), "connected");
                HttpResponse<String> first = Http.postForm(node.port(), "channel=orders&message=paid&idempotency_key=k-1");
                HttpResponse<String> again = Http.post(node.port(), "application/json",
                        "{\"channel\": \"orders\", \"message\": \"paid\", \"idempotency_key\": \"k-1\"}");
                HttpResponse<String> other = Http.postForm(node.port(), "channel=orders&message=paid",
                        "Idempotency-Key", "k-2");
                assertEquals(List.of(200, 200, 200), List.of(first.statusCode(), again.statusCode(), other.statusCode()));
                String id = Http.json(first.body()).getString("id");
                assertEquals(id, Http.json(again.body()).getString("id"));
                assertTrue(!id.equals(Http.json(other.body()).getString("id")), "another key is another message");
                Http.publish(node.port(), "orders", "marker");
                assertEquals(List.of("paid", "paid", "marker"), sub.awaitCount(3).stream().map(SseClient.Received::data).toList());
                RedisBrokerTest.assertPublished(3, node, "three messages, not four");
                long ttl = Long.parseLong(redis.cli("pttl", "sse:idem:k-1"));
                assertTrue(ttl > 0 && ttl <= 300_000, "the key is kept for --idempotency-window: " + ttl);
                assertEquals(id, redis.cli("get", "sse:idem:k-1"));
            } finally {
                node.close();
            }
        }
    }
}
