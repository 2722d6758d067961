package io.ssebroadcaster.auth;

import io.ssebroadcaster.Http;
import io.ssebroadcaster.RedisServer;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.TestServers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HTTPS from PEM files, beside plain HTTP, with HTTP/2 by ALPN; SSE and long polling over HTTP/2. */
class TlsTest {

    static void selfSigned(Path dir) throws Exception {
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                "-keyout", dir.resolve("key.pem").toString(), "-out", dir.resolve("cert.pem").toString(),
                "-subj", "/CN=localhost", "-days", "2")
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "openssl made a certificate");
    }

    static HttpClient trustingHttp2() throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] c, String a) { }

            public void checkServerTrusted(X509Certificate[] c, String a) { }

            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        return HttpClient.newBuilder().sslContext(ctx).version(HttpClient.Version.HTTP_2)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    @Test
    void sameRoutesOverHttpsWithHttp2BesidePlainHttp(@TempDir Path dir) throws Exception {
        selfSigned(dir);
        int sslPort = RedisServer.freePort();
        try (SseBroadcaster server = TestServers.start("--ssl-port", Integer.toString(sslPort),
                "--ssl-cert", dir.resolve("cert.pem").toString(), "--ssl-key", dir.resolve("key.pem").toString(),
                "--poll-timeout", "2")) {
            HttpClient h2 = trustingHttp2();
            String base = "https://localhost:" + server.sslPort();
            HttpResponse<String> stats = h2.send(HttpRequest.newBuilder(URI.create(base + "/stats")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, stats.statusCode());
            assertEquals(HttpClient.Version.HTTP_2, stats.version(), "ALPN chose HTTP/2");
            assertEquals(200, Http.get(server.port(), "/stats").statusCode(), "plain HTTP still served");

            // SSE over HTTP/2
            HttpResponse<InputStream> stream = h2.send(HttpRequest.newBuilder(URI.create(base + "/?channels=secure"))
                    .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(HttpClient.Version.HTTP_2, stream.version());
            try (BufferedReader in = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                assertEquals(": ok", in.readLine());
                h2.send(HttpRequest.newBuilder(URI.create(base + "/publish"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString("channel=secure&message=over-h2")).build(),
                        HttpResponse.BodyHandlers.ofString());
                String line;
                boolean got = false;
                while ((line = in.readLine()) != null) {
                    if (line.equals("data: over-h2")) {
                        got = true;
                        break;
                    }
                }
                assertTrue(got, "event arrived over the HTTP/2 stream");
            }

            // long polling over HTTP/2
            HttpResponse<String> poll = h2.send(HttpRequest.newBuilder(
                    URI.create(base + "/?channels=secure&transport=poll&lastEventId=1000-0")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(HttpClient.Version.HTTP_2, poll.version());
            assertTrue(poll.body().contains("data: over-h2"), poll.body());
        }
    }
}
