package io.ssebroadcaster.lifecycle;

import io.ssebroadcaster.Await;
import io.ssebroadcaster.Http;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.TestServers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.net.ssl.SSLSocket;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A subscriber whose client goes away is ended at once, without waiting for a write to fail: within
 * a second of the close, {@code /stats} no longer counts it, and its channel is gone when it was
 * the channel's last subscriber. The heartbeat is ten minutes away and nothing is published, so
 * only noticing the departure itself can pass.
 */
class DepartureTest {

    /** How long the tests wait for the departure to show in /stats. */
    static final long DEADLINE_MILLIS = 1500;
    /** The spec's one second, plus a little for a busy CI machine. */
    static final long LIMIT_MILLIS = 1200;
    /** Far enough that no heartbeat (and no poll timeout) can end a subscription during a test. */
    static final String[] FAR_TIMERS = {"--heartbeat", "600", "--poll-timeout", "300"};

    @TempDir
    static Path certDir;
    static TlsFixture tls;

    @BeforeAll
    static void certificate() throws Exception {
        tls = TlsFixture.create(certDir);
    }

    /** A FIN (the client closes with nothing left unread) or a RST (SO_LINGER 0). */
    @ParameterizedTest(name = "reset: {0}")
    @ValueSource(booleans = {false, true})
    void plainStreamClosed(boolean reset) throws Exception {
        try (SseBroadcaster server = TestServers.start(FAR_TIMERS);
             RawSubscriber client = RawSubscriber.connect(server.port(), 0, 5000)) {
            int port = server.port();
            openStream(client, "c");
            awaitStats(port, s -> s.stream() == 1 && s.total() == 1 && s.channel("c") == 1, "the stream counted");

            long closed = System.nanoTime();
            if (reset) {
                client.reset();
            } else {
                client.close();
            }
            assertNoticed(port, closed, s -> s.stream() == 0 && s.total() == 0 && s.channels().isEmpty(),
                    reset ? "plain HTTP/1 stream reset (RST)" : "plain HTTP/1 stream closed with a FIN");
        }
    }

    @Test
    void plainLongPollClosedWithFin() throws Exception {
        try (SseBroadcaster server = TestServers.start(FAR_TIMERS);
             RawSubscriber client = RawSubscriber.connect(server.port(), 0, 5000)) {
            int port = server.port();
            client.get("/?channels=c&transport=poll"); // nothing is answered before an event or the timeout
            awaitStats(port, s -> s.poll() == 1 && s.total() == 1 && s.channel("c") == 1, "the poll counted");

            long closed = System.nanoTime();
            client.close();
            assertNoticed(port, closed, s -> s.poll() == 0 && s.total() == 0 && s.channels().isEmpty(),
                    "plain HTTP/1 long poll closed with a FIN");
        }
    }

    @Test
    void tlsHttp1StreamClosed() throws Exception {
        try (SseBroadcaster server = tls.start(FAR_TIMERS);
             SSLSocket socket = tls.connect(server.sslPort(), 0, 5000);
             RawSubscriber client = new RawSubscriber(socket)) {
            int port = server.port();
            assertEquals("http/1.1", socket.getApplicationProtocol(), "ALPN chose HTTP/1.1");
            openStream(client, "c");
            awaitStats(port, s -> s.stream() == 1 && s.channel("c") == 1, "the stream counted");

            long closed = System.nanoTime();
            client.close(); // close_notify, then a FIN
            assertNoticed(port, closed, s -> s.stream() == 0 && s.total() == 0 && s.channels().isEmpty(),
                    "TLS HTTP/1.1 stream, SSLSocket closed");
        }
    }

    @Test
    void http2StreamCancelledWhileItsConnectionStaysOpen() throws Exception {
        HttpClient h2 = tls.http2();
        try (SseBroadcaster server = tls.start(FAR_TIMERS)) {
            int port = server.port();
            String base = "https://localhost:" + server.sslPort();
            List<HttpResponse<InputStream>> streams = openHttp2Streams(h2, base, "c", "keep");
            HttpResponse<InputStream> leaving = streams.get(0);
            HttpResponse<InputStream> staying = streams.get(1);
            try (EventLines kept = new EventLines(staying.body())) {
                awaitStats(port, s -> s.stream() == 2 && s.channel("c") == 1 && s.channel("keep") == 1,
                        "both streams counted");

                long closed = System.nanoTime();
                leaving.body().close(); // the client cancels that stream: RST_STREAM, the connection stays
                assertNoticed(port, closed, s -> s.stream() == 1 && s.total() == 1 && s.channels().equals(Map.of("keep", 1)),
                        "HTTP/2 stream cancelled (RST_STREAM)");

                // the connection and its other stream are unharmed
                Http.publish(port, "keep", "still-here");
                Await.until(() -> kept.data().contains("still-here"), 10, TimeUnit.SECONDS, "the other stream's event");
                assertTrue(!kept.ended(), "the other stream is still open: " + kept.endedBy());
                assertEquals(1, Stats.of(port).stream());
            }
        } finally {
            h2.shutdownNow();
            h2.awaitTermination(Duration.ofSeconds(5));
        }
    }

    @Test
    void http2ConnectionClosed() throws Exception {
        HttpClient h2 = tls.http2();
        try (SseBroadcaster server = tls.start(FAR_TIMERS)) {
            int port = server.port();
            String base = "https://localhost:" + server.sslPort();
            openHttp2Streams(h2, base, "c", "d");
            awaitStats(port, s -> s.stream() == 2 && s.channel("c") == 1 && s.channel("d") == 1, "both streams counted");

            long closed = System.nanoTime();
            h2.shutdownNow(); // the whole connection goes, both streams with it
            assertNoticed(port, closed, s -> s.stream() == 0 && s.total() == 0 && s.channels().isEmpty(),
                    "HTTP/2 connection closed");
        } finally {
            h2.shutdownNow();
            h2.awaitTermination(Duration.ofSeconds(5));
        }
    }

    /** One HTTP/2 stream per channel, all on one connection, each read up to its first bytes. */
    private static List<HttpResponse<InputStream>> openHttp2Streams(HttpClient h2, String base, String... channels)
            throws Exception {
        List<HttpResponse<InputStream>> out = new java.util.ArrayList<>();
        for (String channel : channels) {
            HttpResponse<InputStream> r = h2.send(stream(base, channel), HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(HttpClient.Version.HTTP_2, r.version());
            assertEquals(": ok", new String(r.body().readNBytes(4), StandardCharsets.UTF_8));
            out.add(r);
        }
        return out;
    }

    private static HttpRequest stream(String base, String channel) {
        return HttpRequest.newBuilder(URI.create(base + "/?channels=" + channel))
                .header("Accept", "text/event-stream").build();
    }

    /** Subscribes and reads everything the server opens the stream with. */
    private static void openStream(RawSubscriber client, String channel) throws Exception {
        RawSubscriber.Head head = client.get("/?channels=" + channel).readHead();
        assertTrue(head.isEventStream(), "an event stream: " + head);
        client.readOpening();
    }

    private static void awaitStats(int port, Predicate<Stats> condition, String what) {
        Await.until(() -> condition.test(Stats.of(port)), 10, TimeUnit.SECONDS, what);
    }

    /** {@code /stats} meets {@code gone} within the limit of {@code closedAt}. */
    private static void assertNoticed(int port, long closedAt, Predicate<Stats> gone, String departure) {
        try {
            Await.until(() -> gone.test(Stats.of(port)), DEADLINE_MILLIS, TimeUnit.MILLISECONDS, departure);
        } catch (AssertionError e) {
            throw new AssertionError(departure + ": still counted " + DEADLINE_MILLIS + " ms after the close, /stats: "
                    + Stats.of(port), e);
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closedAt);
        System.out.println("DepartureTest: " + departure + " noticed in " + millis + " ms");
        assertTrue(millis < LIMIT_MILLIS, departure + ": noticed after " + millis + " ms, over 1 s");
    }
}
