package io.ssebroadcaster.http;

import io.ssebroadcaster.HookedBroker;
import io.ssebroadcaster.Http;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.SseClient;
import io.ssebroadcaster.TestServers;
import io.ssebroadcaster.broker.BrokerUnavailableException;
import io.ssebroadcaster.broker.PublishOutcomeUnknownException;
import io.ssebroadcaster.hub.EventId;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Batch publish: a JSON array or NDJSON body of publish objects, published in order with an id each;
 * validated as a whole before anything is published; a broker failure part way answered with what was
 * published and where it stopped.
 */
class BatchPublishTest {

    /** Default limits, a broker that can be told to fail on its n-th next publish. */
    static SseBroadcaster server;
    static int port;
    static HookedBroker broker;

    /** Small limits and a publisher key: limits and access checks. */
    static SseBroadcaster limited;

    @BeforeAll
    static void start() {
        server = SseBroadcaster.create(TestServers.settings(), b -> broker = new HookedBroker(b)).start();
        port = server.port();
        limited = TestServers.start("--max-batch-items", "3", "--max-batch-bytes", "1024", "--max-message-bytes", "100",
                "--http-secret", "s3cret");
    }

    @AfterAll
    static void stop() {
        server.close();
        limited.close();
    }

    static String channel() {
        return "c-" + UUID.randomUUID();
    }

    static String item(String channel, String message) {
        return "{\"channel\":\"" + channel + "\",\"message\":\"" + message + "\"}";
    }

    static String array(String channel, String... messages) {
        return java.util.Arrays.stream(messages).map(m -> item(channel, m)).collect(Collectors.joining(",", "[", "]"));
    }

    static List<String> ids(HttpResponse<String> r) {
        assertEquals(200, r.statusCode(), r.body());
        JsonObject body = Http.json(r.body());
        assertEquals("ok", body.getString("status"));
        return body.getJsonArray("ids").getValuesAs(JsonString.class).stream().map(JsonString::getString).toList();
    }

    static long published(int port) {
        return Http.json(Http.get(port, "/stats").body()).getJsonNumber("published").longValue();
    }

    static JsonObject error(int status, HttpResponse<String> r, String fragment) {
        assertEquals(status, r.statusCode(), r.body());
        JsonObject body = Http.json(r.body());
        assertEquals("error", body.getString("status"));
        assertTrue(body.getString("error").contains(fragment), body.getString("error"));
        return body;
    }

    @Test
    void aJsonArrayIsPublishedInOrderEachWithTheIdItWasAnswered() {
        String ch = channel();
        String other = channel();
        try (SseClient sub = SseClient.open(port, "channels=" + ch + "," + other)) {
            sub.awaitComments(1);
            String body = "[" + item(ch, "1") + ","
                    + "{\"channels\":[\"" + other + "\",\"" + ch + "\"],\"message\":[\"tick\",{\"n\":2}],\"event\":\"e2\"},"
                    + item(other, "3") + "," + item(ch, "4") + "]";
            List<String> ids = ids(Http.post(port, "application/json", body));
            assertEquals(4, ids.size());
            List<SseClient.Received> got = sub.awaitCount(4);
            assertEquals(List.of("1", "[\"tick\",{\"n\":2}]", "3", "4"), got.stream().map(SseClient.Received::data).toList());
            assertEquals(ids, got.stream().map(SseClient.Received::id).toList(), "the answered ids, in item order");
            assertEquals("e2", got.get(1).event());
            assertNull(got.get(0).event());
            for (int i = 1; i < ids.size(); i++) {
                assertTrue(EventId.parse(ids.get(i - 1)).compareTo(EventId.parse(ids.get(i))) < 0, "ids rise: " + ids);
            }
        }
    }

    @Test
    void ndjsonIsOnePublishPerLineBlankLinesIgnored() {
        String ch = channel();
        try (SseClient sub = SseClient.open(port, "channels=" + ch)) {
            sub.awaitComments(1);
            String body = item(ch, "a") + "\n\n" + item(ch, "b") + "\r\n   \n" + item(ch, "c") + "\n";
            List<String> ids = ids(Http.post(port, "application/x-ndjson", body));
            List<SseClient.Received> got = sub.awaitCount(3);
            assertEquals(List.of("a", "b", "c"), got.stream().map(SseClient.Received::data).toList());
            assertEquals(ids, got.stream().map(SseClient.Received::id).toList());
        }
    }

    @Test
    void aJsonObjectIsStillASinglePublishAnsweredWithOneId() {
        HttpResponse<String> r = Http.post(port, "application/json", item(channel(), "one"));
        assertEquals(200, r.statusCode(), r.body());
        JsonObject body = Http.json(r.body());
        assertEquals("ok", body.getString("status"));
        assertTrue(body.containsKey("id") && !body.containsKey("ids"), r.body());
        // an array of one is a batch, answered with a list
        assertEquals(1, ids(Http.post(port, "application/json", array(channel(), "one"))).size());
    }

    @Test
    void oneBadItemRefusesTheWholeBatchNamingItsIndex() {
        String ch = channel();
        try (SseClient sub = SseClient.open(port, "channels=" + ch)) {
            sub.awaitComments(1);
            long before = published(port);
            JsonObject e = error(400, Http.post(port, "application/json",
                    "[" + item(ch, "1") + "," + item(ch, "2") + "," + item("bad name", "3") + "," + item(ch, "4") + "]"),
                    "item 2: ");
            assertEquals(2, e.getInt("index"));
            e = error(400, Http.post(port, "application/json", "[" + item(ch, "1") + ",{\"channel\":\"" + ch + "\"}]"),
                    "item 1: missing 'message'");
            assertEquals(1, e.getInt("index"));
            e = error(400, Http.post(port, "application/json", "[" + item(ch, "1") + ",7]"), "item 1: must be an object");
            assertEquals(1, e.getInt("index"));
            e = error(400, Http.post(port, "application/x-ndjson", item(ch, "1") + "\n\n{\"channel\":"), "item 1: malformed JSON on line 3");
            assertEquals(1, e.getInt("index"));
            e = error(400, Http.post(port, "application/x-ndjson", item(ch, "1") + "\n" + item(ch, "x").replace("\"x\"", "\"\"")),
                    "item 1: empty 'message'");
            assertEquals(1, e.getInt("index"));
            error(400, Http.post(port, "application/json", "[]"), "empty batch");
            error(400, Http.post(port, "application/x-ndjson", "\n \n"), "empty batch");
            error(400, Http.post(port, "application/json", "7"), "must be an object");
            assertEquals(before, published(port), "nothing published");
            Http.publish(port, ch, "marker");
            assertEquals(List.of("marker"), sub.awaitCount(1).stream().map(SseClient.Received::data).toList());
        }
    }

    @Test
    void limitsOfItemsBytesAndMessagesAre413() {
        int p = limited.port();
        String ch = channel();
        String bearer = "Bearer s3cret";
        long before = published(p);
        error(413, Http.post(p, "application/json", array(ch, "1", "2", "3", "4"), "Authorization", bearer),
                "more than 3 publishes in one batch");
        error(413, Http.post(p, "application/x-ndjson", String.join("\n", item(ch, "1"), item(ch, "2"), item(ch, "3"),
                item(ch, "4")), "Authorization", bearer), "more than 3 publishes in one batch");
        String big = "x".repeat(90);
        // three items of 90 bytes, padded past the batch's 1,024 bytes with whitespace
        String spaces = " ".repeat(400);
        String padded = "[" + String.join("," + spaces, item(ch, big), item(ch, big), item(ch, big)) + "]";
        error(413, Http.post(p, "application/json", padded, "Authorization", bearer), "larger than 1024 bytes");
        String paddedLines = String.join("\n" + spaces + "\n", item(ch, big), item(ch, big), item(ch, big));
        error(413, Http.post(p, "application/x-ndjson", paddedLines, "Authorization", bearer), "larger than 1024 bytes");
        JsonObject e = error(413, Http.post(p, "application/json", array(ch, "1", "x".repeat(101)), "Authorization", bearer),
                "item 1: message is 101 bytes");
        assertEquals(1, e.getInt("index"));
        assertEquals(before, published(p), "nothing published");
        assertEquals(3, ids(Http.post(p, "application/json", array(ch, big, big, big), "Authorization", bearer)).size());
        // a single publish keeps its own, larger body limit
        String single = "{\"channel\":\"" + ch + "\",\"key\":\"s3cret\",\"message\":\"m\"" + " ".repeat(2000) + "}";
        assertEquals(200, Http.post(p, "application/json", single).statusCode());
    }

    @Test
    void eachItemNeedsTheRightToPublish() {
        int p = limited.port();
        String ch = channel();
        long before = published(p);
        String withKey = "{\"channel\":\"" + ch + "\",\"message\":\"1\",\"key\":\"s3cret\"}";
        HttpResponse<String> r = Http.post(p, "application/json", "[" + withKey + "," + item(ch, "2") + "]");
        JsonObject e = error(401, r, "item 1: missing publisher key");
        assertEquals(1, e.getInt("index"));
        assertEquals("Bearer", r.headers().firstValue("WWW-Authenticate").orElse(""));
        assertEquals(before, published(p), "nothing published");
        assertEquals(2, ids(Http.post(p, "application/json", "[" + withKey + "," + item(ch, "2") + "]",
                "Authorization", "Bearer s3cret")).size());
    }

    @Test
    void idempotencyKeysArePerItemNotPerRequest() {
        String ch = channel();
        error(400, Http.post(port, "application/json", array(ch, "1"), "Idempotency-Key", "k1"), "single publishes");
        String k1 = UUID.randomUUID().toString();
        String k2 = UUID.randomUUID().toString();
        String body = "[{\"channel\":\"" + ch + "\",\"message\":\"1\",\"idempotency_key\":\"" + k1 + "\"},"
                + "{\"channel\":\"" + ch + "\",\"message\":\"2\",\"idempotency_key\":\"" + k2 + "\"}]";
        try (SseClient sub = SseClient.open(port, "channels=" + ch)) {
            sub.awaitComments(1);
            List<String> first = ids(Http.post(port, "application/json", body));
            assertEquals(first, ids(Http.post(port, "application/json", body)), "a retried batch gets the same ids");
            Http.publish(port, ch, "marker");
            assertEquals(List.of("1", "2", "marker"), sub.awaitCount(3).stream().map(SseClient.Received::data).toList());
        }
        JsonObject e = error(400, Http.post(port, "application/json",
                "[" + item(ch, "1") + ",{\"channel\":\"" + ch + "\",\"message\":\"2\",\"idempotency_key\":\"a b\"}]"),
                "item 1: idempotency key");
        assertEquals(1, e.getInt("index"));
    }

    @Test
    void aBrokerFailurePartWayAnswersWithThePublishedIdsAndWhereItStopped() {
        String ch = channel();
        try (SseClient sub = SseClient.open(port, "channels=" + ch)) {
            sub.awaitComments(1);
            broker.beforeNth(2, () -> {
                throw new BrokerUnavailableException("Redis is unavailable (test)", null);
            });
            HttpResponse<String> r = Http.post(port, "application/json", array(ch, "0", "1", "2", "3"));
            JsonObject e = error(503, r, "item 2 not published");
            assertEquals("2", r.headers().firstValue("Retry-After").orElse(""));
            assertEquals(2, e.getInt("failedAt"));
            List<String> published = e.getJsonArray("published").getValuesAs(JsonString.class).stream()
                    .map(JsonString::getString).toList();
            assertEquals(2, published.size());
            // the client sends the rest again
            List<String> rest = ids(Http.post(port, "application/json", array(ch, "2", "3")));
            List<SseClient.Received> got = sub.awaitCount(4);
            assertEquals(List.of("0", "1", "2", "3"), got.stream().map(SseClient.Received::data).toList());
            assertEquals(published, got.subList(0, 2).stream().map(SseClient.Received::id).toList());
            assertEquals(rest, got.subList(2, 4).stream().map(SseClient.Received::id).toList());

            broker.beforeNth(0, () -> {
                throw new PublishOutcomeUnknownException("publish outcome unknown (test)", null);
            });
            r = Http.post(port, "application/x-ndjson", item(ch, "4") + "\n" + item(ch, "5"));
            e = error(504, r, "item 0 outcome unknown");
            assertEquals(0, e.getInt("failedAt"));
            assertEquals(0, e.getJsonArray("published").size());
            Http.publish(port, ch, "marker");
            assertEquals("marker", sub.awaitCount(5).get(4).data(), "nothing of the failed batch was published");
        }
    }
}
