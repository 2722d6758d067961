package io.ssebroadcaster.redis;

import io.ssebroadcaster.Await;
import io.ssebroadcaster.Http;
import io.ssebroadcaster.RedisServer;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.SseClient;
import io.ssebroadcaster.SseLine;
import io.ssebroadcaster.TestServers;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two nodes on one Redis; on the first, healthy readers and clients that never read share a
 * channel while the second node publishes to it. The first node must take every event (never drop
 * one because its own clients are slow), cut off the stalled clients rather than let them hold
 * anything up, and the cut-off clients must resume from the streams on either node without a gap.
 *
 * <p>Messages are 32 KB (or {@code -Dstalled.size} bytes), 9.6 MB in all: on loopback the kernel's
 * send buffer of each server socket grows by itself to about 4 MB ({@code ss -tm}), so smaller runs
 * never block a write to a client that does not read, and nobody would need cutting off.
 */
class StalledClientsTest {

    static final int MESSAGES = 400;
    static final int HEALTHY = 5;
    static final int STALLED = 10;
    static final String CHANNEL = "live";

    @Test
    void stalledClientsAreCutOffAndResumeWhileHealthyReadersGetEverything() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            // A resuming client may have missed most of the 12.8 MB: let one replay carry all of it
            String[] flags = {"--broker", "redis", "--redis-port", Integer.toString(redis.port()), "--queue-limit", "150",
                    "--max-replay-bytes", Integer.toString(16 << 20)};
            SseBroadcaster receiving = TestServers.start(flags);
            SseBroadcaster publishing = TestServers.start(flags);
            List<SseClient> healthy = new ArrayList<>();
            List<StalledClient> stalled = new ArrayList<>();
            try {
                Await.until(() -> receiving.broker().isReady() && publishing.broker().isReady(), "connected to Redis");
                for (int i = 0; i < HEALTHY; i++) {
                    healthy.add(SseClient.open(receiving.port(), "channels=" + CHANNEL));
                }
                for (int i = 0; i < STALLED; i++) {
                    stalled.add(StalledClient.open(receiving.port(), "/?channels=" + CHANNEL));
                }
                healthy.forEach(c -> c.awaitComments(1));
                Await.until(() -> receiving.hub().stats().streams() == HEALTHY + STALLED, "every client subscribed");

                // Paced (about 200 a second, 6 MB/s), so the healthy readers keep up with ease and only
                // the stalled clients fill their outboxes
                long start = System.nanoTime();
                for (int i = 0; i < MESSAGES; i++) {
                    HttpResponse<String> r = Http.postForm(publishing.port(),
                            "channel=" + CHANNEL + "&message=" + message(i));
                    assertEquals(200, r.statusCode(), "publish " + i + ": " + r.body());
                    long due = start + TimeUnit.MILLISECONDS.toNanos(5L * (i + 1));
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        java.util.concurrent.locks.LockSupport.parkNanos(wait);
                    }
                }

                for (SseClient c : healthy) {
                    List<SseClient.Received> got = c.await(events -> events.size() >= MESSAGES, 60, TimeUnit.SECONDS);
                    assertEquals(MESSAGES, got.size(), "nothing twice");
                    assertInOrderFrom(0, got);
                    assertTrue(!c.ended(), "a healthy reader stays connected");
                }
                // Cut off at their outbox limit, or once a write has been blocked too long
                Await.until(() -> receiving.hub().stats().slowDropped() >= 1, 60, TimeUnit.SECONDS,
                        "the stalled clients to be cut off");
                assertTrue(Http.json(Http.get(receiving.port(), "/stats").body()).getInt("slowDropped") >= 1);
                Await.until(() -> receiving.hub().stats().streams() == HEALTHY, 60, TimeUnit.SECONDS,
                        "every stalled stream to end");

                for (int i = 0; i < stalled.size(); i++) {
                    StalledClient s = stalled.get(i);
                    // Reading now drains what the buffers held, then must meet the end the server gave it
                    Received got = s.readToEnd();
                    assertTrue(got.closedByServer(), "stalled client " + i + " was disconnected, not left open: "
                            + got.events().size() + " events read");
                    assertTrue(got.events().size() < MESSAGES, "stalled client " + i + " was cut off early");
                    assertInOrderFrom(0, got.events());
                    assertNotNull(got.lastId(), "the stream's first write carries an id to resume from");

                    SseBroadcaster node = i % 2 == 0 ? receiving : publishing;
                    int from = got.events().size();
                    try (SseClient resumed = SseClient.open(node.port(), "channels=" + CHANNEL,
                            "Last-Event-ID", got.lastId())) {
                        List<SseClient.Received> rest = resumed.await(
                                events -> events.size() >= MESSAGES - from, 30, TimeUnit.SECONDS);
                        assertEquals(MESSAGES - from, rest.size(), "client " + i + ": nothing twice on resume");
                        assertInOrderFrom(from, rest);
                    }
                }
            } finally {
                healthy.forEach(SseClient::close);
                stalled.forEach(StalledClient::close);
                receiving.close();
                publishing.close();
            }
        }
    }

    /** About 4 KB (or {@code -Dstalled.size} bytes), its index first. */
    static String message(int i) {
        return i + "-" + "x".repeat(Integer.getInteger("stalled.size", 32_000));
    }

    static void assertInOrderFrom(int first, List<SseClient.Received> events) {
        for (int k = 0; k < events.size(); k++) {
            SseClient.Received e = events.get(k);
            assertEquals(message(first + k), e.data(), "event " + k + " of " + events.size() + " (id " + e.id() + ")");
        }
    }

    /** What a stalled client had been sent, read afterwards: complete events only, as a browser counts them. */
    record Received(List<SseClient.Received> events, String lastId, boolean closedByServer) {
    }

    /**
     * Subscribes over a plain socket with a tiny receive buffer and reads nothing until asked, so
     * the server's writes to it block as soon as the kernel buffers are full.
     */
    static final class StalledClient implements AutoCloseable {
        private final Socket socket;

        private StalledClient(Socket socket) {
            this.socket = socket;
        }

        static StalledClient open(int port, String pathAndQuery) throws IOException {
            Socket s = new Socket();
            s.setReceiveBufferSize(1024); // before connecting, so the window offered is small from the start
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
            s.getOutputStream().write(("GET " + pathAndQuery + " HTTP/1.1\r\nHost: localhost\r\n"
                    + "Accept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            return new StalledClient(s);
        }

        /** Reads until the server ends the connection (true) or 10 s pass without a byte (false). */
        Received readToEnd() throws IOException {
            socket.setSoTimeout(10_000);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            boolean closed;
            InputStream in = socket.getInputStream();
            byte[] buf = new byte[64 * 1024];
            try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    bytes.write(buf, 0, n);
                }
                closed = true;
            } catch (SocketTimeoutException e) {
                closed = false;
            } catch (IOException e) {
                closed = true; // reset: also the server's doing
            }
            return parse(bytes.toString(StandardCharsets.UTF_8), closed);
        }

        /** The response head, then a close-delimited event stream; an event cut off by the close does not count. */
        private static Received parse(String response, boolean closed) {
            int body = response.indexOf("\r\n\r\n");
            assertTrue(response.startsWith("HTTP/1.1 200"), "a stream was opened: " + response.lines().findFirst().orElse(""));
            String[] lines = response.substring(body + 4).split("\r\n|\r|\n", -1);
            List<SseClient.Received> events = new ArrayList<>();
            String lastId = null;
            String id = null;
            List<String> data = new ArrayList<>();
            // the last element follows the last line break: an unfinished line, never a field
            for (int i = 0; i < lines.length - 1; i++) {
                String line = lines[i];
                if (line.isEmpty()) {
                    if (id != null) {
                        lastId = id;
                    }
                    if (!data.isEmpty()) {
                        events.add(new SseClient.Received(id, null, String.join("\n", data), null));
                    }
                    id = null;
                    data.clear();
                } else if (!line.startsWith(":")) {
                    SseLine field = SseLine.parse(line);
                    switch (field.field()) {
                        case "id" -> id = field.value();
                        case "data" -> data.add(field.value());
                        default -> { }
                    }
                }
            }
            return new Received(events, lastId, closed);
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
