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
    void connectionLimitAnswers503WithRetryAfter() {
        try (SseBroadcaster server = TestServers.start("--max-connections", "2");
             SseClient a = SseClient.open(server.port(), "channels=l");
             SseClient b = SseClient.open(server.port(), "channels=l")) {
            a.awaitComments(1);
            b.awaitComments(1);
            var r = Http.get(server.port(), "/?channels=l", "Accept", "text/event-stream");
            assertEquals(503, r.statusCode());
            assertTrue(r.headers().firstValue("Retry-After").isPresent());
            assertEquals("error", Http.json(r.body()).getString("status"));
            // publishing still works at the limit
            Http.publish(server.port(), "l", "still here");
            assertEquals("still here", a.awaitCount(1).get(0).data());
        }
    }
}
