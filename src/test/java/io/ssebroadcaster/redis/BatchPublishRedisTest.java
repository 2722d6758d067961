package io.ssebroadcaster.redis;

import io.ssebroadcaster.Await;
import io.ssebroadcaster.HookedBroker;
import io.ssebroadcaster.Http;
import io.ssebroadcaster.RedisServer;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.SseClient;
import io.ssebroadcaster.TestServers;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Batch publish through the Redis broker: items in order with their ids, and a Redis that stalls
 * part way through a batch answered with what was published and where it stopped; the rest, sent
 * again with the same per-item idempotency keys, completes the batch with each item delivered once.
 */
class BatchPublishRedisTest {

    static String batch(int from, int to) {
        return IntStream.range(from, to)
                .mapToObj(i -> "{\"channel\":\"batched\",\"message\":\"m" + i + "\",\"idempotency_key\":\"batch-item-" + i + "\"}")
                .collect(Collectors.joining(",", "[", "]"));
    }

    static List<String> strings(jakarta.json.JsonArray array) {
        return array.getValuesAs(JsonString.class).stream().map(JsonString::getString).toList();
    }

    @Test
    void aRedisStallPartWayIsAnsweredWithThePublishedIdsAndTheRestCanBeSentAgain() {
        try (RedisServer redis = RedisServer.start()) {
            AtomicReference<HookedBroker> hooked = new AtomicReference<>();
            SseBroadcaster node = SseBroadcaster.create(
                    TestServers.settings("--broker", "redis", "--redis-port", Integer.toString(redis.port())),
                    b -> {
                        hooked.set(new HookedBroker(b));
                        return hooked.get();
                    }).start();
            try (SseClient sub = SseClient.open(node.port(), "channels=batched")) {
                sub.awaitComments(1);
                Await.until(() -> node.broker().isReady(), "connected");

                // In order, with the ids answered
                HttpResponse<String> ok = Http.post(node.port(), "application/json",
                        "[{\"channel\":\"batched\",\"message\":\"a\"},{\"channel\":\"batched\",\"message\":\"b\"}]");
                assertEquals(200, ok.statusCode(), ok.body());
                List<String> ids = strings(Http.json(ok.body()).getJsonArray("ids"));
                List<SseClient.Received> got = sub.awaitCount(2);
                assertEquals(List.of("a", "b"), got.stream().map(SseClient.Received::data).toList());
                assertEquals(ids, got.stream().map(SseClient.Received::id).toList());

                // Redis stalls before item 2 of 5: items 0 and 1 published, item 2's fate unknown, 3 and 4 not sent
                hooked.get().beforeNth(2, redis::pause);
                HttpResponse<String> r;
                try {
                    r = Http.post(node.port(), "application/json", batch(0, 5));
                } finally {
                    redis.resume();
                }
                // 504 (item 2 was written to Redis, no answer came), or 503 should its connection have
                // needed opening (then item 2 was not sent): the rest of the test holds for both
                assertTrue(r.statusCode() == 504 || r.statusCode() == 503, r.statusCode() + " " + r.body());
                JsonObject e = Http.json(r.body());
                assertEquals(2, e.getInt("failedAt"), r.body());
                assertTrue(e.getString("error").startsWith(r.statusCode() == 504 ? "item 2 outcome unknown"
                        : "item 2 not published"), r.body());
                List<String> published = strings(e.getJsonArray("published"));
                assertEquals(2, published.size());

                // Redis ran item 2 when it resumed (after a 504); the client sends items 2..4 again with their keys
                HttpResponse<String> rest = Http.post(node.port(), "application/json", batch(2, 5));
                assertEquals(200, rest.statusCode(), rest.body());
                List<String> restIds = strings(Http.json(rest.body()).getJsonArray("ids"));
                Http.publish(node.port(), "batched", "marker");
                List<SseClient.Received> all = sub.await(l -> l.stream().anyMatch(m -> "marker".equals(m.data())));
                List<SseClient.Received> batchEvents = all.subList(2, all.size() - 1);
                assertEquals(List.of("m0", "m1", "m2", "m3", "m4"),
                        batchEvents.stream().map(SseClient.Received::data).toList(), "each item once, in order");
                assertEquals(published, batchEvents.subList(0, 2).stream().map(SseClient.Received::id).toList());
                assertEquals(restIds, batchEvents.subList(2, 5).stream().map(SseClient.Received::id).toList(),
                        "after a 504, item 2's retry is answered with the id it got when Redis ran it");
            } finally {
                node.close();
            }
        }
    }
}
