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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The seed's scenario and the event format, over real HTTP connections. */
class SubscribePublishTest {

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

    static String channel() {
        return "c-" + UUID.randomUUID();
    }

    @Test
    void seedCurlScenarioDeliversTheJsonArray() {
        try (SseClient sub = SseClient.open(port, "channels=base")) {
            assertEquals(200, sub.status());
            assertEquals("text/event-stream; charset=utf-8", sub.response().headers().firstValue("Content-Type").orElseThrow());
            assertEquals("no-cache", sub.response().headers().firstValue("Cache-Control").orElseThrow());
            assertEquals("no", sub.response().headers().firstValue("X-Accel-Buffering").orElseThrow());
            // the preamble arrives before any event: the comment and the retry field
            sub.awaitComments(1);
            assertEquals("3000", sub.retry());

            HttpResponse<String> r = Http.postForm(port, "message=%5B123%2C+124%5D&channel=base");
            assertEquals(200, r.statusCode());
            assertEquals("ok", Http.json(r.body()).getString("status"));
            String id = Http.json(r.body()).getString("id");

            List<SseClient.Received> got = sub.awaitCount(1);
            assertEquals("[123, 124]", got.get(0).data());
            assertEquals(id, got.get(0).id());
            assertNull(got.get(0).event(), "no event: line unless the publisher named a type");
        }
    }

    @Test
    void repeatedAndCommaSeparatedChannelsBothSubscribe() {
        String a = channel();
        String b = channel();
        String c = channel();
        try (SseClient sub = SseClient.open(port, "channels=" + a + "&channels=" + b + "," + c)) {
            sub.awaitComments(1);
            Http.publish(port, a, "1");
            Http.publish(port, b, "2");
            Http.publish(port, c, "3");
            assertEquals(List.of("1", "2", "3"), dataOf(sub.awaitCount(3)));
        }
    }

    @Test
    void multiLineMessagesBecomeSeveralDataLinesAndEventTypeIsSent() {
        String ch = channel();
        try (SseClient sub = SseClient.open(port, "channels=" + ch)) {
            sub.awaitComments(1);
            HttpResponse<String> r = Http.post(port, "application/json",
                    "{\"channel\":\"" + ch + "\",\"message\":\"line1\\nline2\\r\\nline3\",\"event\":\"update\"}");
            assertEquals(200, r.statusCode(), r.body());
            SseClient.Received e = sub.awaitCount(1).get(0);
            assertEquals("line1\nline2\nline3", e.data());
            assertEquals("update", e.event());
        }
    }

    @Test
    void jsonMessageOfAnyTypeIsSentSerialized() {
        String ch = channel();
        try (SseClient sub = SseClient.open(port, "channels=" + ch)) {
            sub.awaitComments(1);
            assertEquals(200, Http.post(port, "application/json",
                    "{\"channels\":[\"" + ch + "\"],\"message\":[\"event_type\",{\"a\":1}]}").statusCode());
            assertEquals(200, Http.post(port, "application/json",
                    "{\"channel\":\"" + ch + "\",\"message\":42}").statusCode());
            assertEquals(List.of("[\"event_type\",{\"a\":1}]", "42"), dataOf(sub.awaitCount(2)));
        }
    }

    @Test
    void publishToSeveralChannelsReachesASubscriberOfBothOnce() {
        String a = channel();
        String b = channel();
        try (SseClient both = SseClient.open(port, "channels=" + a + "," + b);
             SseClient onlyB = SseClient.open(port, "channels=" + b)) {
            both.awaitComments(1);
            onlyB.awaitComments(1);
            Http.postForm(port, "channel=" + a + "&channel=" + b + "&message=x");
            Http.publish(port, a, "after");
            assertEquals(List.of("x", "after"), dataOf(both.awaitCount(2)));
            assertEquals(List.of("x"), dataOf(onlyB.awaitCount(1)));
        }
    }

    @Test
    void patternSubscriptionReceivesMatchingChannels() {
        String prefix = "news-" + UUID.randomUUID();
        try (SseClient sub = SseClient.open(port, "channels=" + prefix + ".*")) {
            sub.awaitComments(1);
            Http.publish(port, prefix + ".sport", "goal");
            Http.publish(port, "other-" + prefix, "no");
            Http.publish(port, prefix + ".weather", "rain");
            assertEquals(List.of("goal", "rain"), dataOf(sub.awaitCount(2)));
        }
    }

    @Test
    void idsIncreaseAcrossPublishes() {
        String ch = channel();
        String first = Http.publish(port, ch, "1");
        String second = Http.publish(port, ch, "2");
        assertTrue(io.ssebroadcaster.hub.EventId.parse(second).isAfter(io.ssebroadcaster.hub.EventId.parse(first)));
    }

    @Test
    void subscriberOnAnotherChannelGetsNothing() {
        String mine = channel();
        try (SseClient sub = SseClient.open(port, "channels=" + mine)) {
            sub.awaitComments(1);
            Http.publish(port, channel(), "not for you");
            Http.publish(port, mine, "for you");
            assertEquals(List.of("for you"), dataOf(sub.awaitCount(1)));
            assertFalse(sub.data().contains("not for you"));
        }
    }

    static List<String> dataOf(List<SseClient.Received> events) {
        return events.stream().map(SseClient.Received::data).toList();
    }
}
