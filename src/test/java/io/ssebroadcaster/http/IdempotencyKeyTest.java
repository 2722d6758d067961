package io.ssebroadcaster.http;

import io.ssebroadcaster.Http;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.SseClient;
import io.ssebroadcaster.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Idempotency keys on the in-process broker: a retried publish is one event with one id. */
class IdempotencyKeyTest {

    static SseBroadcaster server;
    static int port;

    @BeforeAll
    static void start() {
        server = TestServers.start();
        port = server.port();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static long published() {
        return Http.json(Http.get(port, "/stats").body()).getJsonNumber("published").longValue();
    }

    @Test
    void theSameKeyTwiceIsOneEventWithOneId() {
        String channel = "c-" + UUID.randomUUID();
        String key = UUID.randomUUID().toString();
        try (SseClient sub = SseClient.open(port, "channels=" + channel)) {
            sub.awaitComments(1);
            long before = published();
            HttpResponse<String> first = Http.postForm(port, "channel=" + channel + "&message=paid", "Idempotency-Key", key);
            HttpResponse<String> retry = Http.post(port, "application/json",
                    "{\"channel\": \"" + channel + "\", \"message\": \"paid\", \"idempotency_key\": \"" + key + "\"}");
            HttpResponse<String> other = Http.postForm(port, "channel=" + channel + "&message=paid&idempotency_key="
                    + UUID.randomUUID());
            assertEquals(List.of(200, 200, 200), List.of(first.statusCode(), retry.statusCode(), other.statusCode()));
            String id = Http.json(first.body()).getString("id");
            assertEquals(id, Http.json(retry.body()).getString("id"), "the retry is answered with the first id");
            assertNotEquals(id, Http.json(other.body()).getString("id"), "another key is another message");
            Http.publish(port, channel, "marker");
            assertEquals(List.of("paid", "paid", "marker"), sub.awaitCount(3).stream().map(SseClient.Received::data).toList());
            assertEquals(id, sub.events().get(0).id());
            assertEquals(before + 3, published(), "three events, not four");
        }
    }

    @Test
    void malformedKeysAreRefusedWith400AndPublishNothing() {
        String channel = "c-" + UUID.randomUUID();
        long before = published();
        List<HttpResponse<String>> refused = List.of(
                Http.postForm(port, "channel=" + channel + "&message=m&idempotency_key="),
                Http.postForm(port, "channel=" + channel + "&message=m&idempotency_key=" + "k".repeat(129)),
                Http.postForm(port, "channel=" + channel + "&message=m&idempotency_key=has+space"),
                Http.postForm(port, "channel=" + channel + "&message=m&idempotency_key=na%C3%AFve"),
                Http.postForm(port, "channel=" + channel + "&message=m&idempotency_key=a%0Ab"),
                Http.postForm(port, "channel=" + channel + "&message=m&idempotency_key=a&idempotency_key=a"),
                Http.post(port, "application/json", "{\"channel\": \"" + channel + "\", \"message\": \"m\", \"idempotency_key\": 7}"),
                Http.postForm(port, "channel=" + channel + "&message=m&idempotency_key=one", "Idempotency-Key", "two"),
                Http.postForm(port, "channel=" + channel + "&message=m", "Idempotency-Key", "semi;colon"));
        for (HttpResponse<String> r : refused) {
            assertEquals(400, r.statusCode(), r.body());
            assertEquals("error", Http.json(r.body()).getString("status"));
            assertTrue(r.body().contains("dempotency"), r.body());
        }
        assertEquals(before, published(), "nothing published");
        HttpResponse<String> longest = Http.postForm(port, "channel=" + channel + "&message=m",
                "Idempotency-Key", "k".repeat(128));
        assertEquals(200, longest.statusCode(), longest.body());
    }
}
