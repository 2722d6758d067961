package io.ssebroadcaster.http;

import io.ssebroadcaster.Await;
import io.ssebroadcaster.Http;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.SseClient;
import io.ssebroadcaster.TestServers;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HeartbeatAndShutdownTest {

    @Test
    void idleStreamGetsPingComments() {
        try (SseBroadcaster server = TestServers.start("--heartbeat", "1");
             SseClient sub = SseClient.open(server.port(), "channels=quiet")) {
            Await.until(() -> sub.all().stream().anyMatch(r -> "ping".equals(r.comment())), 5, TimeUnit.SECONDS, "ping");
            assertTrue(sub.events().isEmpty(), "pings are comments, not events");
        }
    }

    @Test
    void shutdownEndsStreamsAndPollsCleanlyAndQuickly() throws Exception {
        SseBroadcaster server = TestServers.start();
        java.util.concurrent.atomic.AtomicInteger pollStatus = new java.util.concurrent.atomic.AtomicInteger();
        Thread poll = Thread.ofVirtual().start(() ->
                pollStatus.set(Http.get(server.port(), "/?channels=s2&transport=poll").statusCode()));
        try (SseClient stream = SseClient.open(server.port(), "channels=s1")) {
            stream.awaitComments(1);
            Await.until(() -> server.hub().stats().streams() == 1 && server.hub().stats().polls() == 1, "both open");
            long start = System.nanoTime();
            server.close();
            stream.awaitEnd(5, TimeUnit.SECONDS);
            poll.join(5000);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(millis < 5000, "took " + millis + " ms");
            assertEquals(200, pollStatus.get(), "the waiting poll is answered, not cut");
            assertEquals(0, server.hub().stats().streams() + server.hub().stats().polls());
        }
    }

    @Test
    void atTheConnectionLimitAnEventSourceIsToldWhenToComeBackAndOthersGet503() {
        try (SseBroadcaster server = TestServers.start("--max-connections", "2", "--refusal-retry", "2500-2600");
             SseClient a = SseClient.open(server.port(), "channels=l");
             SseClient b = SseClient.open(server.port(), "channels=l")) {
            a.awaitComments(1);
            b.awaitComments(1);
            // an EventSource would give up for good on a 503: it gets a stream that ends with a retry
            var refused = Http.get(server.port(), "/?channels=l", "Accept", "text/event-stream");
            assertEquals(200, refused.statusCode());
            assertTrue(refused.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
            java.util.regex.Matcher retry = java.util.regex.Pattern.compile("(?m)^retry: (\\d+)$").matcher(refused.body());
            assertTrue(retry.find(), refused.body());
            long millis = Long.parseLong(retry.group(1));
            assertTrue(millis >= 2500 && millis <= 2600, "retry within the window: " + millis);
            assertTrue(refused.body().startsWith(": refused: too many connections"), refused.body());
            // a long poll is not an EventSource: 503 with Retry-After and the JSON error
            var poll = Http.get(server.port(), "/?channels=l&transport=poll");
            assertEquals(503, poll.statusCode());
            assertEquals("3", poll.headers().firstValue("Retry-After").orElseThrow());
            assertEquals("error", Http.json(poll.body()).getString("status"));
            var stats = Http.json(Http.get(server.port(), "/stats").body());
            assertEquals(2, stats.getJsonObject("refused").getInt("connections"));
            // publishing still works at the limit
            Http.publish(server.port(), "l", "still here");
            assertEquals("still here", a.awaitCount(1).get(0).data());
        }
    }
}
