package io.ssebroadcaster.http;

import io.ssebroadcaster.Http;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.SseClient;
import io.ssebroadcaster.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.util.Locale;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Credentialed cross-origin requests (htmx's SSE extension always opens
 * {@code EventSource(url, {withCredentials: true})}): with {@code --cors-origins *} they are allowed,
 * by echoing the page's origin, only while no authentication is configured.
 */
class CorsCredentialsTest {

    static final String PAGE = "http://page.example:3000";
    static final String SECRET = "0123456789abcdef0123456789abcdef-test";
    static SseBroadcaster open;
    static SseBroadcaster withAuth;
    static SseBroadcaster listedWithAuth;

    @BeforeAll
    static void start() {
        open = TestServers.start();
        withAuth = TestServers.start("--jwt-secret", SECRET);
        listedWithAuth = TestServers.start("--jwt-secret", SECRET, "--cors-origins", PAGE);
    }

    @AfterAll
    static void stop() {
        open.close();
        withAuth.close();
        listedWithAuth.close();
    }

    /** The headers of a stream opened from {@code PAGE}: read, then the stream is closed. */
    static HttpHeaders streamHeaders(SseBroadcaster server) {
        try (SseClient stream = SseClient.open(server.port(), "channels=x", "Origin", PAGE)) {
            assertEquals(200, stream.status());
            return stream.response().headers();
        }
    }

    static void assertCredentialsAllowed(HttpHeaders h) {
        assertEquals(PAGE, h.firstValue("Access-Control-Allow-Origin").orElseThrow(), h.map().toString());
        assertEquals("true", h.firstValue("Access-Control-Allow-Credentials").orElseThrow(), h.map().toString());
    }

    static void assertNoCredentials(HttpHeaders h) {
        assertEquals(Optional.empty(), h.firstValue("Access-Control-Allow-Credentials"), h.map().toString());
    }

    @Test
    void withoutAuthAnyOriginGetsItsOriginEchoedWithCredentials() {
        HttpHeaders stream = streamHeaders(open);
        assertCredentialsAllowed(stream);
        // a cache must not hand one page's answer to another
        assertTrue(stream.allValues("Vary").stream().anyMatch(v -> v.toLowerCase(Locale.ROOT).contains("origin")), stream.map().toString());

        HttpResponse<String> publish = Http.postForm(open.port(), "channel=x&message=1", "Origin", PAGE);
        assertEquals(200, publish.statusCode(), publish.body());
        assertCredentialsAllowed(publish.headers());

        HttpResponse<String> preflight = CorsHeadersTest.preflight(open.port(), PAGE, "/?channels=x", "GET", "last-event-id");
        assertEquals(200, preflight.statusCode(), preflight.body());
        assertCredentialsAllowed(preflight.headers());
    }

    @Test
    void withAuthAnyOriginGetsNoCredentials() {
        HttpHeaders stream = streamHeaders(withAuth);
        assertEquals("*", stream.firstValue("Access-Control-Allow-Origin").orElseThrow(), stream.map().toString());
        assertNoCredentials(stream);

        HttpResponse<String> preflight = CorsHeadersTest.preflight(withAuth.port(), PAGE, "/?channels=x", "GET", "last-event-id");
        assertEquals(200, preflight.statusCode(), preflight.body());
        assertNoCredentials(preflight.headers());
    }

    @Test
    void withAuthListedOriginsStillGetCredentials() {
        assertCredentialsAllowed(streamHeaders(listedWithAuth));
        assertCredentialsAllowed(CorsHeadersTest.preflight(listedWithAuth.port(), PAGE, "/?channels=x", "GET",
                "last-event-id").headers());
    }
}
