package io.ssebroadcaster.http;

import io.ssebroadcaster.Await;
import io.ssebroadcaster.Http;
import io.ssebroadcaster.ResumeScenario;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.SseClient;
import io.ssebroadcaster.TestServers;
import io.ssebroadcaster.TruncationCheck;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Last-Event-ID replay: no gap, no duplicate, also while publishes race the reconnect. */
class ReplayTest {

    static SseBroadcaster server;
    static int port;

    @BeforeAll
    static void start() {
        server = TestServers.start("--history-size", "5000");
        port = server.port();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void anIdWithAPlacePerChannelIsRefusedWhereAllChannelsShareOneOrder() {
        java.net.http.HttpResponse<String> r = io.ssebroadcaster.Http.get(port, "/?channels=a&channels=b&transport=poll",
                "Last-Event-ID", "1-0,2-0");
        assertEquals(400, r.statusCode());
        assertTrue(r.body().contains("Redis Cluster"), r.body());
    }

    @Test
    void reconnectWithLastEventIdGetsWhatWasMissedThenLiveEvents() {
        String ch = "r-" + UUID.randomUUID();
        String lastSeen;
        try (SseClient sub = SseClient.open(port, "channels=" + ch)) {
            sub.awaitComments(1);
            Http.publish(port, ch, "1");
            lastSeen = sub.awaitCount(1).get(0).id();
        }
        Http.publish(port, ch, "2");
        Http.publish(port, ch, "3");
        try (SseClient again = SseClient.open(port, "channels=" + ch, "Last-Event-ID", lastSeen)) {
            assertEquals(List.of("2", "3"), SubscribePublishTest.dataOf(again.awaitCount(2)));
            Http.publish(port, ch, "4");
            assertEquals(List.of("2", "3", "4"), SubscribePublishTest.dataOf(again.awaitCount(3)));
            assertFalse(again.response().headers().firstValue("X-SSE-History-Truncated").isPresent());
        }
    }

    @Test
    void lastEventIdQueryParameterWorksForClientsWithoutHeaders() {
        String ch = "q-" + UUID.randomUUID();
        String first = Http.publish(port, ch, "a");
        Http.publish(port, ch, "b");
        try (SseClient sub = SseClient.open(port, "channels=" + ch + "&lastEventId=" + first)) {
            assertEquals(List.of("b"), SubscribePublishTest.dataOf(sub.awaitCount(1)));
        }
    }

    @Test
    void headerWinsOverStaleQueryParameter() {
        String ch = "h-" + UUID.randomUUID();
        String first = Http.publish(port, ch, "a");
        String second = Http.publish(port, ch, "b");
        Http.publish(port, ch, "c");
        try (SseClient sub = SseClient.open(port, "channels=" + ch + "&lastEventId=" + first, "Last-Event-ID", second)) {
            assertEquals(List.of("c"), SubscribePublishTest.dataOf(sub.awaitCount(1)));
        }
    }

    @Test
    void replayAcrossSeveralChannelsIsInIdOrderAndEachOnce() {
        String a = "ma-" + UUID.randomUUID();
        String b = "mb-" + UUID.randomUUID();
        String start = Http.publish(port, a, "0");
        Http.publish(port, a, "1");
        Http.publish(port, b, "2");
        Http.postForm(port, "channel=" + a + "&channel=" + b + "&message=3");
        Http.publish(port, b, "4");
        try (SseClient sub = SseClient.open(port, "channels=" + a + "," + b, "Last-Event-ID", start)) {
            assertEquals(List.of("1", "2", "3", "4"), SubscribePublishTest.dataOf(sub.awaitCount(4)));
        }
    }

    /**
     * A publisher keeps publishing while a client repeatedly drops and reconnects with its last
     * id: every message arrives exactly once, in order.
     */
    @Test
    void noGapNoDuplicateWhilePublishesRaceTheReconnect() throws Exception {
        ResumeScenario.run("race-" + UUID.randomUUID(), 600, i -> port, n -> port);
    }

    @Test
    void lastEventIdOlderThanHistorySaysSo() {
        try (SseBroadcaster small = TestServers.start("--history-size", "2")) {
            TruncationCheck.assertResumeBeyondHistoryIsReported(small);
            // a client that is within the window is not told anything
            String ch = "w-" + UUID.randomUUID();
            String last = Http.publish(small.port(), ch, "5");
            try (SseClient sub = SseClient.open(small.port(), "channels=" + ch, "Last-Event-ID", last)) {
                sub.awaitComments(1);
                assertTrue(sub.response().headers().firstValue("X-SSE-History-Truncated").isEmpty());
            }
        }
    }

    /** A client that drops before its first event still resumes from where it subscribed. */
    @Test
    void aClientThatSawNoEventYetStillResumesWithoutLoss() {
        String ch = "pos-" + UUID.randomUUID();
        String position;
        try (SseClient sub = SseClient.open(port, "channels=" + ch)) {
            Await.until(() -> sub.lastEventId() != null, "position id");
            position = sub.lastEventId();
            assertTrue(sub.events().isEmpty());
        }
        Http.publish(port, ch, "while-away");
        try (SseClient again = SseClient.open(port, "channels=" + ch, "Last-Event-ID", position)) {
            assertEquals(List.of("while-away"), SubscribePublishTest.dataOf(again.awaitCount(1)));
        }
    }

    @Test
    void malformedLastEventIdIsRejected() {
        var r = Http.get(port, "/?channels=x", "Last-Event-ID", "abc");
        assertEquals(400, r.statusCode());
        assertTrue(Http.json(r.body()).getString("error").contains("Last-Event-ID"));
    }
}
