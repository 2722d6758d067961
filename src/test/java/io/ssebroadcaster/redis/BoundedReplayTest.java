package io.ssebroadcaster.redis;

import io.ssebroadcaster.ChildServer;
import io.ssebroadcaster.Await;
import io.ssebroadcaster.Http;
import io.ssebroadcaster.RedisServer;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.SseClient;
import io.ssebroadcaster.TestServers;
import io.ssebroadcaster.broker.Publication;
import io.ssebroadcaster.hub.EventId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12, item 1: one anonymous replay request must not be able to take a node's whole heap. Redis
 * holds about 100 MB of history on channels a pattern matches; a node with a 128 MB heap, started with
 * the default limits, is asked for all of it by a reading stream, a long poll and four clients that never
 * read. It stays up, and what it sends is the newest part within the documented bounds, gap-free up to
 * the newest message, after the history-truncated signal.
 */
class BoundedReplayTest {

    /** The documented defaults of --max-replay-events and --max-replay-bytes. */
    static final int MAX_REPLAY_EVENTS = 10_000;
    static final int MAX_REPLAY_BYTES = 1 << 20;

    static final int CHANNELS = 64;
    static final int PER_CHANNEL = 100;
    static final int MESSAGE_BYTES = 16 * 1024;

    static RedisServer redis;
    /** Every id published, oldest first. */
    static final List<String> published = new ArrayList<>();

    @BeforeAll
    static void fillRedis() {
        redis = RedisServer.start();
        // An ordinary node publishes the history (as the HTTP API would, without the HTTP)
        try (SseBroadcaster publisher = TestServers.start("--broker", "redis", "--redis-port",
                Integer.toString(redis.port()), "--history-size", Integer.toString(PER_CHANNEL))) {
            String filler = "x".repeat(MESSAGE_BYTES - 16);
            for (int n = 0; n < PER_CHANNEL; n++) {
                for (int c = 0; c < CHANNELS; c++) {
                    String data = String.format("%05d-%03d-", n, c) + filler;
                    published.add(publisher.broker().publish(new Publication(List.of("big-" + c), null, data))
                            .toString());
                }
            }
        }
    }

    @AfterAll
    static void stop() {
        redis.close();
    }

    @Test
    void aHugePatternReplayOnASmallHeapIsBoundedAndTheNodeSurvives() throws Exception {
        Path log = Files.createTempFile("sse-bounded-replay", ".log");
        String javaBin = ProcessHandle.current().info().command().orElseThrow();
        Process node = new ProcessBuilder(javaBin, "-Xmx128m", "-XX:+ExitOnOutOfMemoryError",
                "-cp", System.getProperty("java.class.path"), "io.ssebroadcaster.Main",
                "--port", "0", "--listen", "127.0.0.1", "--broker", "redis", "--redis-port", Integer.toString(redis.port()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        List<Socket> nonReading = new ArrayList<>();
        try {
            int port = ChildServer.awaitPort(node, log);
            Await.until(() -> Http.get(port, "/observe/health/ready").statusCode() == 200, "node ready");

            // Four clients ask for everything and never read
            for (int i = 0; i < 4; i++) {
                Socket s = new Socket();
                s.setReceiveBufferSize(4096);
                s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                OutputStream out = s.getOutputStream();
                out.write(("GET /?channels=big-*&lastEventId=1-0 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + "Accept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                nonReading.add(s);
            }

            // A long poll for everything: answered, within the long-poll answer's limit
            HttpResponse<String> poll = Http.get(port, "/?channels=big-*&transport=poll&lastEventId=1-0");
            assertEquals(200, poll.statusCode(), () -> "node log:\n" + ChildServer.tail(log));
            assertEquals("true", poll.headers().firstValue("X-SSE-History-Truncated").orElse(null));
            assertTrue(poll.body().length() <= (1 << 20) + 4096, "poll answer of " + poll.body().length() + " bytes");

            // A stream reads its replay: the truncated signal, then the newest messages up to the last one
            String newest = published.getLast();
            try (SseClient stream = SseClient.open(port, "channels=big-*", "Last-Event-ID", "1-0")) {
                List<SseClient.Received> got = stream.await(events -> !events.isEmpty()
                        && newest.equals(events.getLast().id()), 60, TimeUnit.SECONDS);
                assertEquals("true", stream.response().headers().firstValue("X-SSE-History-Truncated").orElse(null));
                assertEquals("sse-history-truncated", got.getFirst().event());
                List<SseClient.Received> replay = got.subList(1, got.size());
                assertTrue(replay.size() <= MAX_REPLAY_EVENTS, replay.size() + " events replayed");
                long bytes = replay.stream().mapToLong(e -> e.data().length()).sum();
                assertTrue(bytes <= MAX_REPLAY_BYTES, bytes + " bytes replayed");
                assertTrue(replay.size() >= 8, "the replay still carries the newest messages: " + replay.size());
                List<String> ids = replay.stream().map(SseClient.Received::id).toList();
                assertEquals(published.subList(published.size() - ids.size(), published.size()), ids,
                        "a gap-free tail ending at the newest message");
            }

            assertTrue(node.isAlive(), () -> "the node died:\n" + ChildServer.tail(log));
            assertEquals(200, Http.get(port, "/observe/health/ready").statusCode());
            String more = Http.publish(port, "big-0", "still here");
            assertTrue(EventId.parse(more).isAfter(EventId.parse(newest)));
        } finally {
            for (Socket s : nonReading) {
                s.close();
            }
            node.destroyForcibly();
            node.waitFor(10, TimeUnit.SECONDS);
        }
    }


}
