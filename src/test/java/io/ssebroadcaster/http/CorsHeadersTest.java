package io.ssebroadcaster.http;

import io.ssebroadcaster.Http;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --cors-headers}: by default a preflight may ask for any request header (fetch-event-source
 * sends its own); a list allows only its names and refuses others with our JSON 403.
 */
class CorsHeadersTest {

    static final String PAGE = "http://app.example";
    static SseBroadcaster any;
    static SseBroadcaster listed;

    @BeforeAll
    static void start() {
        any = TestServers.start();
        listed = TestServers.start("--cors-headers", "Content-Type,X-Custom");
    }

    @AfterAll
    static void stop() {
        any.close();
        listed.close();
    }

    /** A browser's preflight for a {@code method} request to {@code path} that will carry {@code headers}. */
    static HttpResponse<String> preflight(int port, String path, String method, String headers) {
        return preflight(port, PAGE, path, method, headers);
    }

    static HttpResponse<String> preflight(int port, String origin, String path, String method, String headers) {
        return Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", origin)
                .header("Access-Control-Request-Method", method)
                .header("Access-Control-Request-Headers", headers)
                .build());
    }

    static Set<String> allowedHeaders(HttpResponse<String> r) {
        return Arrays.stream(r.headers().firstValue("Access-Control-Allow-Headers").orElse("").split(","))
                .map(h -> h.trim().toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
    }

    @Test
    void byDefaultAPreflightMayAskForAnyHeader() {
        HttpResponse<String> r = preflight(any.port(), "/?channels=x", "GET", "x-custom, last-event-id");
        assertEquals(200, r.statusCode(), r.body());
        // Helidon answers "*" with the names asked for: browsers ignore a literal * for credentialed requests
        assertEquals(Set.of("x-custom", "last-event-id"), allowedHeaders(r));
        assertEquals(PAGE, r.headers().firstValue("Access-Control-Allow-Origin").orElseThrow());

        r = preflight(any.port(), "/publish", "POST", "x-custom,content-type,authorization");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(Set.of("x-custom", "content-type", "authorization"), allowedHeaders(r));
    }

    @Test
    void aListAllowsItsHeadersInAnyCaseAndRefusesOthersAsJson() {
        HttpResponse<String> r = preflight(listed.port(), "/publish", "POST", "x-custom, content-type");
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(allowedHeaders(r).contains("x-custom"), r.headers().map().toString());

        ErrorsTest.assertError(403, preflight(listed.port(), "/publish", "POST", "content-type, x-other"),
                "x-other: see --cors-headers");
        ErrorsTest.assertError(403, preflight(listed.port(), "/?channels=x", "GET", "last-event-id"),
                "last-event-id");
    }
}
