package io.ssebroadcaster.hardening;

import io.ssebroadcaster.ChildServer;
import io.ssebroadcaster.Await;
import io.ssebroadcaster.Http;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SIGTERM under load: the server runs as its own OS process (started from the test class path, as
 * the jar does not exist yet in Maven's test phase) with 1,000 open SSE streams while two threads
 * keep publishing; then it gets SIGTERM.
 *
 * <p>Asserts: the process exits within 5 s of the signal; every one of the 1,000 streams ends
 * (chunked terminator, or at least EOF; not a reset, not a hang); and every publish answered 200
 * before the exit reached every subscriber of its channel before its stream ended (the in-memory
 * history dies with the process, so a 200 for a message no subscriber will ever see is a lost
 * message).
 */
class ShutdownUnderLoadTest {

    static final int STREAMS = 1000;
    static final int CHANNELS = 10;
    /** Publishes per second per publisher thread. */
    static final int RATE = 100;

    /** One stream's view. */
    static final class Stream {
        final int channel;
        long[] ids = new long[512];
        int size;
        volatile SseWire.End end;
        volatile long endedAtNanos;
        volatile String failure;

        Stream(int channel) {
            this.channel = channel;
        }

        synchronized void add(long id) {
            if (size == ids.length) {
                ids = Arrays.copyOf(ids, size * 2);
            }
            ids[size++] = id;
        }

        synchronized int count() {
            return size;
        }

        synchronized boolean has(long id) {
            return Arrays.binarySearch(ids, 0, size, id) >= 0;
        }
    }

    /** A publish the server answered 200. */
    record Accepted(int channel, long id, long answeredAtNanos) {
    }

    @Test
    void sigtermEndsEveryStreamPromptlyAndLosesNoAcceptedPublish() throws Exception {
        Path log = Files.createTempFile("sse-shutdown-under-load", ".log");
        String javaBin = ProcessHandle.current().info().command().orElseThrow();
        List<String> command = List.of(javaBin, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                "io.ssebroadcaster.Main", "--port", "0", "--listen", "127.0.0.1", "--max-connections", "5000",
                "--heartbeat", "5");
        long t0 = System.nanoTime();
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        List<Thread> readers = new ArrayList<>();
        AtomicBoolean gone = new AtomicBoolean();
        try {
            int port = ChildServer.awaitPort(process, log);
            System.out.println("ShutdownUnderLoadTest: server pid " + process.pid() + " on port " + port + " after "
                    + millisSince(t0) + " ms");

            // 1,000 streams, 100 per channel
            Stream[] streams = new Stream[STREAMS];
            CountDownLatch open = new CountDownLatch(STREAMS);
            Semaphore connecting = new Semaphore(64); // stay well inside the listen backlog
            ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
            for (int i = 0; i < STREAMS; i++) {
                Stream s = new Stream(i % CHANNELS);
                streams[i] = s;
                readers.add(Thread.ofVirtual().name("stream-" + i).start(() -> read(port, s, open, connecting)));
            }
            assertTrue(open.await(60, TimeUnit.SECONDS), "streams open: " + (STREAMS - open.getCount()) + " of "
                    + STREAMS + "; failures e.g. " + Arrays.stream(streams).map(s -> s.failure)
                    .filter(java.util.Objects::nonNull).limit(3).toList());
            Await.until(() -> streamCount(port) == STREAMS, 30, TimeUnit.SECONDS, STREAMS + " streams in /stats");
            System.out.println("ShutdownUnderLoadTest: " + STREAMS + " streams open after " + millisSince(t0) + " ms");

            // Two publishers, until the server is gone
            ConcurrentLinkedQueue<Accepted> accepted = new ConcurrentLinkedQueue<>();
            AtomicInteger refused = new AtomicInteger();
            List<Thread> publishers = new ArrayList<>();
            for (int p = 0; p < 2; p++) {
                int me = p;
                publishers.add(Thread.ofPlatform().name("publisher-" + p)
                        .start(() -> publish(http, port, me, gone, accepted, refused, problems)));
            }
            Await.until(() -> accepted.size() >= 300, 30, TimeUnit.SECONDS, "300 publishes accepted");
            int receivedBefore = Arrays.stream(streams).mapToInt(Stream::count).sum();
            assertTrue(receivedBefore > 0, "events flow before the signal");

            long signal = System.nanoTime();
            process.destroy(); // SIGTERM
            boolean exited = process.waitFor(5, TimeUnit.SECONDS);
            long exitMillis = millisSince(signal);
            gone.set(true);
            assertTrue(exited, "the server did not exit within 5 s of SIGTERM; log:\n" + ChildServer.tail(log));
            long exitedAt = System.nanoTime();
            for (Thread p : publishers) {
                p.join(15_000);
            }
            for (Thread r : readers) {
                r.join(Math.max(1, 10_000 - millisSince(exitedAt)));
            }

            Map<String, Integer> ends = new TreeMap<>();
            long lastEnd = 0;
            for (Stream s : streams) {
                ends.merge(String.valueOf(s.end), 1, Integer::sum);
                lastEnd = Math.max(lastEnd, s.endedAtNanos);
            }
            System.out.println("ShutdownUnderLoadTest: exited " + exitMillis + " ms after SIGTERM with status "
                    + process.exitValue() + "; streams ended " + ends + ", the last "
                    + TimeUnit.NANOSECONDS.toMillis(lastEnd - signal) + " ms after the signal; "
                    + accepted.size() + " publishes accepted, " + refused.get() + " refused or failed during shutdown");

            assertEquals(143, process.exitValue(), "exit status after SIGTERM (128 + 15); log:\n" + ChildServer.tail(log));
            assertTrue(problems.isEmpty(), "problems: " + problems.stream().limit(5).toList());
            for (Stream s : streams) {
                assertTrue(s.end == SseWire.End.TERMINATOR || s.end == SseWire.End.EOF,
                        "every stream ends with the chunked terminator or at least EOF: " + ends);
            }
            assertDelivered(streams, accepted, signal);
        } finally {
            gone.set(true);
            if (process.isAlive()) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            for (Thread r : readers) {
                r.interrupt();
            }
            http.shutdownNow();
            http.awaitTermination(Duration.ofSeconds(10));
            Files.deleteIfExists(log);
        }
    }

    /** Every accepted publish is in every stream of its channel, and each stream's ids only grow. */
    private static void assertDelivered(Stream[] streams, ConcurrentLinkedQueue<Accepted> accepted, long signal) {
        for (Stream s : streams) {
            for (int i = 1; i < s.size; i++) {
                assertTrue(s.ids[i] > s.ids[i - 1], "a stream got " + SoakTest.unpack(s.ids[i]) + " after "
                        + SoakTest.unpack(s.ids[i - 1]));
            }
        }
        List<String> lost = new ArrayList<>();
        int lostBeforeSignal = 0;
        int lostCount = 0;
        for (Accepted a : accepted) {
            int missing = 0;
            for (Stream s : streams) {
                if (s.channel == a.channel() && !s.has(a.id())) {
                    missing++;
                }
            }
            if (missing > 0) {
                lostCount++;
                if (a.answeredAtNanos() < signal) {
                    lostBeforeSignal++;
                }
                if (lost.size() < 8) {
                    lost.add(SoakTest.unpack(a.id()) + " on sd-" + a.channel() + " answered 200 "
                            + TimeUnit.NANOSECONDS.toMillis(a.answeredAtNanos() - signal)
                            + " ms after SIGTERM, missing in " + missing + " of " + STREAMS / CHANNELS + " streams");
                }
            }
        }
        assertEquals(0, lostCount, lostCount + " of " + accepted.size() + " publishes answered 200 never reached"
                + " (all) subscribers of their channel (" + lostBeforeSignal + " of them answered before SIGTERM); e.g. "
                + lost);
    }

    private static void read(int port, Stream s, CountDownLatch open, Semaphore connecting) {
        RawHttp conn = null;
        RawHttp.Response r;
        boolean counted = false;
        try {
            connecting.acquire();
            try {
                conn = RawHttp.open(port, 30_000);
                conn.write(("GET /?channels=sd-" + s.channel + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                        + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                r = conn.read(false);
                if (r == null || r.status() != 200 || r.body() != null) {
                    s.failure = "subscribe answered " + r;
                    s.end = SseWire.End.ERROR;
                    return;
                }
            } finally {
                connecting.release();
            }
            boolean[] ok = {false};
            s.end = SseWire.read(r, conn.input(), new SseWire.Listener() {
                @Override
                public boolean event(String id, String event, String data) {
                    s.add(SoakTest.pack(id));
                    return true;
                }

                @Override
                public boolean comment(String text) {
                    if (!ok[0] && text.equals("ok")) {
                        ok[0] = true;
                        open.countDown();
                    }
                    return true;
                }
            });
            counted = ok[0];
        } catch (IOException | RuntimeException e) {
            s.failure = e.toString();
            s.end = SseWire.End.ERROR;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            s.endedAtNanos = System.nanoTime();
            if (!counted && s.failure != null) {
                open.countDown(); // do not keep the test waiting: the failure is reported below
            }
            if (conn != null) {
                conn.close();
            }
        }
    }

    private static void publish(HttpClient http, int port, int me, AtomicBoolean gone,
                                ConcurrentLinkedQueue<Accepted> accepted, AtomicInteger refused,
                                ConcurrentLinkedQueue<String> problems) {
        Random r = new Random(me);
        long start = System.nanoTime();
        long n = 0;
        int failuresInARow = 0;
        while (!gone.get() && failuresInARow < 50) {
            int channel = r.nextInt(CHANNELS);
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/publish"))
                    .timeout(Duration.ofSeconds(5))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("channel=sd-" + channel + "&message=m" + me + "-" + n))
                    .build();
            try {
                HttpResponse<String> resp = http.send(req, HttpResponse.BodyHandlers.ofString());
                if (resp.statusCode() == 200) {
                    accepted.add(new Accepted(channel, SoakTest.pack(Http.json(resp.body()).getString("id")), System.nanoTime()));
                    failuresInARow = 0;
                } else if (resp.statusCode() == 503) {
                    refused.incrementAndGet(); // shutting down: refusing is fine
                    failuresInARow++;
                } else {
                    problems.add("publish answered " + resp.statusCode() + " " + resp.body());
                }
            } catch (IOException e) {
                refused.incrementAndGet(); // the server is going away
                failuresInARow++;
            } catch (InterruptedException e) {
                return;
            }
            n++;
            long wait = start + n * 1_000_000_000L / RATE - System.nanoTime();
            if (wait > 0 && failuresInARow == 0) {
                try {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000)); // publish rate
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }


    private static int streamCount(int port) {
        HttpResponse<String> r = Http.get(port, "/stats");
        return r.statusCode() == 200 ? Http.json(r.body()).getJsonObject("connections").getInt("stream") : -1;
    }


    private static long millisSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }
}
