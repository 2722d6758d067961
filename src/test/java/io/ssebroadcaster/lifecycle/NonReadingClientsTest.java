package io.ssebroadcaster.lifecycle;

import io.ssebroadcaster.Await;
import io.ssebroadcaster.Http;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.SseClient;
import io.ssebroadcaster.TestServers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ten clients that subscribe and never read (tiny receive buffers, so the server's writes to them
 * block soon) hurt nobody: a publisher flooding their channel with 8 KB events and, interleaved,
 * publishing small events to another channel is answered 200 for every one of those, the other
 * channel's reader gets them all in order, the flooded channel's healthy reader keeps up with
 * everything accepted, and the stalled clients are cut off when their outboxes overflow. Over
 * plain HTTP/1, and over TLS: there the stalled clients are HTTP/1.1 {@code SSLSocket}s and the
 * readers HTTP/2 streams. The publisher uses plain HTTP in both (it is not what is tested, and the
 * JDK client's HTTP/2 POSTs to this server take some 50 ms each).
 */
class NonReadingClientsTest {

    static final int STALLED = 10;
    static final int MESSAGES = 600;
    static final int BIG_BYTES = 8 * 1024;
    static final String[] FLAGS = {"--queue-limit", "200"};
    /** The stalled clients' outboxes overflow within the publishes; the rest covers a loaded machine. */
    static final long CUT_OFF_SECONDS = 40;

    @TempDir
    static Path certDir;
    static TlsFixture tls;

    @BeforeAll
    static void certificate() throws Exception {
        tls = TlsFixture.create(certDir);
    }

    @Test
    void overPlainHttp1() throws Exception {
        List<RawSubscriber> stalled = new ArrayList<>();
        try (SseBroadcaster server = TestServers.start(FLAGS)) {
            int port = server.port();
            try {
                for (int i = 0; i < STALLED; i++) {
                    RawSubscriber s = RawSubscriber.connect(port, 1024, 5000);
                    stalled.add(s);
                    s.get("/?channels=flood"); // and never read
                }
                try (SseClient flood = SseClient.open(port, "channels=flood");
                     SseClient other = SseClient.open(port, "channels=other")) {
                    flood.awaitComments(1);
                    other.awaitComments(1);
                    scenario(port, flood::data, flood::ended, other::data);
                }
            } finally {
                stalled.forEach(RawSubscriber::close);
            }
        }
    }

    @Test
    void overTls() throws Exception {
        List<RawSubscriber> stalled = new ArrayList<>();
        HttpClient floodClient = tls.http2();
        HttpClient otherClient = tls.http2();
        try (SseBroadcaster server = tls.start(FLAGS)) {
            int port = server.port();
            String base = "https://localhost:" + server.sslPort();
            try {
                for (int i = 0; i < STALLED; i++) {
                    // TLS handshake done, request sent, then never read
                    RawSubscriber s = new RawSubscriber(tls.connect(server.sslPort(), 1024, 5000));
                    stalled.add(s);
                    s.get("/?channels=flood");
                }
                try (EventLines flood = new EventLines(floodClient.send(stream(base, "flood"),
                        HttpResponse.BodyHandlers.ofInputStream()).body());
                     EventLines other = new EventLines(otherClient.send(stream(base, "other"),
                             HttpResponse.BodyHandlers.ofInputStream()).body())) {
                    scenario(port, flood::data, flood::ended, other::data);
                }
            } finally {
                stalled.forEach(RawSubscriber::close);
            }
        } finally {
            floodClient.shutdownNow();
            otherClient.shutdownNow();
            floodClient.awaitTermination(Duration.ofSeconds(5));
            otherClient.awaitTermination(Duration.ofSeconds(5));
        }
    }

    private static HttpRequest stream(String base, String channel) {
        return HttpRequest.newBuilder(URI.create(base + "/?channels=" + channel))
                .header("Accept", "text/event-stream").build();
    }

    private static HttpResponse<String> publish(int port, String channel, String message) {
        return Http.postForm(port, "channel=" + channel + "&message=" + Http.enc(message));
    }

    private static void scenario(int port, Supplier<List<String>> flood,
                                 Supplier<Boolean> floodEnded, Supplier<List<String>> other) throws Exception {
        long started = System.nanoTime();
        Await.until(() -> {
            Stats s = Stats.of(port);
            return s.stream() == STALLED + 2 && s.channel("flood") == STALLED + 1 && s.channel("other") == 1;
        }, 10, TimeUnit.SECONDS, "every subscriber counted");

        List<String> floodAccepted = new ArrayList<>();
        int floodRefused = 0;
        for (int i = 0; i < MESSAGES; i++) {
            String big = "f" + i + "-";
            big += "x".repeat(BIG_BYTES - big.length());
            HttpResponse<String> f = publish(port, "flood", big);
            if (f.statusCode() == 200) {
                floodAccepted.add("f" + i);
            } else if (f.statusCode() == 503) {
                floodRefused++;
            } else {
                throw new AssertionError("publish " + i + " to flood: " + f.statusCode() + " " + f.body());
            }
            HttpResponse<String> o = publish(port, "other", "o" + i);
            if (o.statusCode() != 200) {
                throw new AssertionError("publish " + i + " to other answered " + o.statusCode() + " " + o.body()
                        + " (flood: " + floodAccepted.size() + " accepted, " + floodRefused + " refused); /stats: "
                        + Stats.of(port));
            }
        }
        long published = System.nanoTime();

        List<String> expected = IntStream.range(0, MESSAGES).mapToObj(i -> "o" + i).toList();
        Await.until(() -> other.get().size() >= MESSAGES, 30, TimeUnit.SECONDS, "other's reader to get " + MESSAGES);
        assertEquals(expected, other.get(), "other's reader got every event, in order");

        Await.until(() -> flood.get().size() >= floodAccepted.size() || floodEnded.get(), 30, TimeUnit.SECONDS,
                "flood's healthy reader to get " + floodAccepted.size());
        assertEquals(floodAccepted, flood.get().stream().map(d -> d.substring(0, d.indexOf('-'))).toList(),
                "flood's healthy reader got every accepted event, in order");
        assertFalse(floodEnded.get(), "flood's healthy reader is still connected");

        Await.until(() -> Stats.of(port).slowDropped() >= 1, CUT_OFF_SECONDS, TimeUnit.SECONDS,
                "a stalled client cut off (slowDropped >= 1); /stats: " + Stats.of(port));
        Stats after = Stats.of(port);
        assertTrue(after.channel("flood") >= 1 && after.channel("other") == 1, "the readers are still subscribed: " + after);
        System.out.printf("NonReadingClientsTest: %d publishes in %d ms (flood: %d accepted, %d refused), "
                        + "%d ms in all; slowDropped %d%n",
                2 * MESSAGES, TimeUnit.NANOSECONDS.toMillis(published - started), floodAccepted.size(), floodRefused,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), after.slowDropped());
    }
}
