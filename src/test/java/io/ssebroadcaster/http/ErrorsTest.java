package io.ssebroadcaster.http;

import io.ssebroadcaster.Http;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.SseClient;
import io.ssebroadcaster.TestServers;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every refusal is the right 4xx with a JSON body, and nothing accepted before is lost. */
class ErrorsTest {

    static SseBroadcaster server;
    static int port;

    @BeforeAll
    static void start() {
        server = TestServers.start("--max-message-bytes", "100", "--max-channels", "3", "--http-secret", "s3cret");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static void assertError(int status, HttpResponse<String> r, String fragment) {
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        JsonObject body = Http.json(r.body());
        assertEquals("error", body.getString("status"));
        assertTrue(body.getString("error").contains(fragment), body.getString("error"));
    }

    static HttpResponse<String> form(String body) {
        return Http.postForm(server.port(), body);
    }

    @Test
    void publishErrors() {
        assertError(400, form("channel=a&key=s3cret"), "missing 'message'");
        assertError(400, form("message=1&key=s3cret"), "missing 'channel'");
        assertError(400, form("message=1&channel=a%ZZ&key=s3cret"), "%-escape");
        assertError(400, form("message=%FF%FE&channel=a&key=s3cret"), "UTF-8");
        assertError(400, form("message=1&channel=bad%20name&key=s3cret"), "character");
        assertError(400, form("message=1&channel=" + "a".repeat(256) + "&key=s3cret"), "longer than 255");
        assertError(400, form("message=1&channel=a*&key=s3cret"), "pattern");
        assertError(400, form("message=1&channel=a,b,c,d&key=s3cret"), "more than 3 channels");
        assertError(400, form("message=1&message=2&channel=a&key=s3cret"), "given 2 times");
        assertError(400, form("message=1&channel=a&event=x%0Aid:%201&key=s3cret"), "CR, LF, NUL");
        assertError(413, form("message=" + "x".repeat(101) + "&channel=a&key=s3cret"), "limit is 100");
        assertError(413, Http.postForm(server.port(), "message=" + "x".repeat(800_000) + "&channel=a"), "larger than");
        assertError(415, Http.post(server.port(), "text/plain", "hello"), "Content-Type");
        assertError(400, Http.post(server.port(), "application/json", "{\"channel\":"), "malformed JSON");
        assertError(400, Http.post(server.port(), "application/json", "[1]"), "must be an object");
        assertError(400, Http.post(server.port(), "application/json", "{\"channel\":1,\"message\":\"x\"}"), "must be a string");
        assertError(401, form("message=1&channel=a"), "missing publisher key");
        assertError(401, form("message=1&channel=a&key=wrong"), "wrong publisher key");
        assertError(405, Http.get(server.port(), "/publish"), "POST");
        assertError(404, Http.get(server.port(), "/nothing-here"), "no such endpoint");
    }

    @Test
    void keyWorksInFormJsonAndBearerHeader() {
        assertEquals(200, form("message=1&channel=a&key=s3cret").statusCode());
        assertEquals(200, Http.post(server.port(), "application/json",
                "{\"channel\":\"a\",\"message\":1,\"key\":\"s3cret\"}").statusCode());
        assertEquals(200, Http.postForm(server.port(), "message=1&channel=a", "Authorization", "Bearer s3cret").statusCode());
    }

    @Test
    void subscribeErrors() {
        assertError(400, Http.get(server.port(), "/"), "no channel");
        assertError(400, Http.get(server.port(), "/?channels="), "no channel");
        assertError(400, Http.get(server.port(), "/?channels=a,b,c,d"), "more than 3 channels");
        assertError(400, Http.get(server.port(), "/?channels=a%0Ab"), "character");
        assertError(405, Http.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + server.port() + "/?channels=a"))
                .method("DELETE", java.net.http.HttpRequest.BodyPublishers.noBody()).build()), "GET");
    }

    @Test
    void refusedPublishesDoNotDisturbAcceptedOnes() {
        try (SseClient sub = SseClient.open(server.port(), "channels=keep")) {
            sub.awaitComments(1);
            assertEquals(200, form("message=one&channel=keep&key=s3cret").statusCode());
            assertEquals(413, form("message=" + "y".repeat(200) + "&channel=keep&key=s3cret").statusCode());
            assertEquals(400, form("message=two&channel=keep&key=s3cret&event=%00").statusCode());
            assertEquals(200, form("message=three&channel=keep&key=s3cret").statusCode());
            assertEquals(List.of("one", "three"), SubscribePublishTest.dataOf(sub.awaitCount(2)));
        }
    }
}
