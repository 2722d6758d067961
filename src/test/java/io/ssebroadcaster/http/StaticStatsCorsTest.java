package io.ssebroadcaster.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.TestServers;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.io.StringReader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Static files, /stats and CORS, through Helidon's own test harness. */
@ServerTest
class StaticStatsCorsTest {

    private static SseBroadcaster app;
    private final Http1Client client;

    StaticStatsCorsTest(Http1Client client) {
        this.client = client;
    }

    @SetUpServer
    static void setUp(WebServerConfig.Builder builder) {
        app = SseBroadcaster.create(TestServers.settings());
        app.configure(builder);
    }

    @AfterAll
    static void tearDown() {
        app.close();
    }

    @Test
    void jqueryIsServedFromTheWebjarWithCachingHeaders() {
        try (HttpClientResponse r = client.get("/static/jquery.min.js").request()) {
            assertEquals(200, r.status().code());
            assertTrue(r.headers().contentType().orElseThrow().text().contains("javascript"));
            assertTrue(r.headers().contains(HeaderNames.ETAG) || r.headers().contains(HeaderNames.LAST_MODIFIED));
            assertTrue(r.as(String.class).contains("jQuery v3"));
        }
    }

    @Test
    void webFolderIsServedUnderStatic() {
        try (HttpClientResponse r = client.get("/static/jquery.sse.js").request()) {
            assertEquals(200, r.status().code());
            assertTrue(r.headers().contentType().orElseThrow().text().contains("javascript"));
        }
        try (HttpClientResponse r = client.get("/static/no-such-file.js").request()) {
            assertEquals(404, r.status().code());
        }
    }

    @Test
    void demoPageIsServed() {
        try (HttpClientResponse r = client.get("/demo/").request()) {
            assertEquals(200, r.status().code());
            assertTrue(r.headers().contentType().orElseThrow().text().contains("html"));
        }
    }

    @Test
    void corsAllowsOtherOriginsAndAnswersPreflight() {
        try (HttpClientResponse r = client.get("/static/jquery.min.js").header(HeaderNames.ORIGIN, "http://app.example").request()) {
            // no authentication configured: the origin is echoed, so credentialed requests work too
            assertEquals("http://app.example", r.headers().first(HeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN).orElseThrow());
        }
        try (HttpClientResponse r = client.method(Method.OPTIONS).path("/publish")
                .header(HeaderNames.ORIGIN, "http://app.example")
                .header(HeaderNames.ACCESS_CONTROL_REQUEST_METHOD, "POST")
                .header(HeaderNames.ACCESS_CONTROL_REQUEST_HEADERS, "Content-Type")
                .request()) {
            assertEquals(200, r.status().code());
            assertTrue(r.headers().contains(HeaderNames.ACCESS_CONTROL_ALLOW_METHODS));
        }
    }

    @Test
    void statsReportsCountersAsJson() {
        try (HttpClientResponse r = client.post("/publish")
                .header(HeaderNames.CONTENT_TYPE, "application/x-www-form-urlencoded")
                .submit("message=1&channel=stats-test")) {
            assertEquals(200, r.status().code());
        }
        try (HttpClientResponse r = client.get("/stats").request()) {
            assertEquals(200, r.status().code());
            JsonObject stats = Json.createReader(new StringReader(r.as(String.class))).readObject();
            assertTrue(stats.getJsonArray("channels") != null);
            assertTrue(stats.getJsonNumber("published").longValue() >= 1);
            JsonObject connections = stats.getJsonObject("connections");
            assertEquals(connections.getInt("stream") + connections.getInt("poll"), connections.getInt("total"));
            for (String key : new String[] {"deliveries", "slowDropped", "replayed", "historySize"}) {
                assertTrue(stats.containsKey(key), key);
            }
        }
    }
}
