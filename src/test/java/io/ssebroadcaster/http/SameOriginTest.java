package io.ssebroadcaster.http;

import io.ssebroadcaster.Http;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.SseClient;
import io.ssebroadcaster.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With origins listed, the hub's own pages (same origin: the Origin's host[:port] is the Host) are
 * still served, by our filter and by Helidon's CORS support, while other origins stay refused.
 */
class SameOriginTest {

    static SseBroadcaster server;
    static int port;

    @BeforeAll
    static void start() {
        server = TestServers.start("--cors-origins", "https://app.example");
        port = server.port();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void theDemoPageCanPublishAndSubscribeOnItsOwnServer() {
        String self = "http://127.0.0.1:" + port; // java.net.http sends Host: 127.0.0.1:<port>
        HttpResponse<String> r = Http.postForm(port, "channel=same&message=hi", "Origin", self);
        assertEquals(200, r.statusCode(), r.body());
        try (SseClient stream = SseClient.open(port, "channels=same", "Origin", self)) {
            assertEquals(200, stream.status());
        }
    }

    @Test
    void aPageBehindATlsTerminatingProxyIsSameOriginToo() throws IOException {
        // The proxy speaks plain HTTP to us: Helidon alone sees http://hub.example:80 against an https Origin
        for (String host : new String[] {"hub.example", "hub.example:443", "HUB.example"}) {
            String response = rawPublish(host, "https://hub.example");
            assertTrue(response.startsWith("HTTP/1.1 200"), host + ": " + response);
        }
        String preflight = raw("OPTIONS /publish HTTP/1.1\r\nHost: hub.example\r\nOrigin: https://hub.example\r\n"
                + "Access-Control-Request-Method: POST\r\nConnection: close\r\n\r\n");
        assertFalse(preflight.startsWith("HTTP/1.1 403"), preflight);
    }

    @Test
    void otherOriginsAreStillRefusedAndListedOnesServed() throws IOException {
        for (String origin : new String[] {"http://127.0.0.1:" + (port == 65535 ? 1 : port + 1), "https://evil.example",
                "null", "http://127.0.0.1"}) {
            HttpResponse<String> r = Http.postForm(port, "channel=same&message=hi", "Origin", origin);
            ErrorsTest.assertError(403, r, "origin not allowed");
        }
        // A Host the page's origin does not name is cross-origin, whatever the path to us
        String response = rawPublish("hub.example", "https://hub.example.evil");
        assertTrue(response.startsWith("HTTP/1.1 403"), response);

        HttpResponse<String> listed = Http.postForm(port, "channel=same&message=hi", "Origin", "https://app.example");
        assertEquals(200, listed.statusCode(), listed.body());
        assertEquals("https://app.example", listed.headers().firstValue("Access-Control-Allow-Origin").orElseThrow());
    }

    @Test
    void sameOriginComparesHostAndPortNotScheme() {
        assertTrue(SameOrigin.test("http://127.0.0.1:8888", "127.0.0.1:8888"));
        assertTrue(SameOrigin.test("https://hub.example", "hub.example"));
        assertTrue(SameOrigin.test("https://hub.example", "hub.example:443"));
        assertTrue(SameOrigin.test("http://hub.example", "hub.example:80"));
        assertTrue(SameOrigin.test("http://[::1]:8888", "[::1]:8888"));
        assertFalse(SameOrigin.test("http://hub.example", "hub.example:443"));
        assertFalse(SameOrigin.test("http://127.0.0.1:8888", "127.0.0.1:8889"));
        assertFalse(SameOrigin.test("http://127.0.0.1:8080", "127.0.0.1:80"));
        assertFalse(SameOrigin.test("null", "null"));
        assertFalse(SameOrigin.test("file://hub.example", "hub.example"));
        assertFalse(SameOrigin.test("http://hub.example", null));
    }

    private static String rawPublish(String host, String origin) throws IOException {
        String body = "channel=same&message=1";
        return raw("POST /publish HTTP/1.1\r\nHost: " + host + "\r\nOrigin: " + origin + "\r\n"
                + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + body.length()
                + "\r\nConnection: close\r\n\r\n" + body);
    }

    /**
     * Sends one request on a plain socket (java.net.http will not let us set Host) and returns the
     * response's status line and headers.
     */
    private static String raw(String request) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            StringBuilder head = new StringBuilder();
            while (head.indexOf("\r\n\r\n") < 0) {
                int b = in.read();
                if (b < 0) {
                    break;
                }
                head.append((char) b);
            }
            return head.toString();
        }
    }
}
