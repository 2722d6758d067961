package io.ssebroadcaster.hardening;

import io.ssebroadcaster.Await;
import io.ssebroadcaster.Http;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.TestServers;
import io.ssebroadcaster.hub.HubStats;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Soak: a few hundred clients (virtual threads) connect, read, drop and reconnect at random while
 * two publishers publish to a handful of channels. Clients leave in every way a browser or a
 * network can: a clean close, a reset in the middle of the server's writes, a raw socket with a
 * tiny receive buffer that stops reading (so the server blocks in {@code write}) and then
 * vanishes. Every reconnect sends {@code Last-Event-ID} (header or parameter).
 *
 * <p>Checks: each client's events are exactly its channels' published sequence (nothing missed,
 * nothing duplicated, in order, right data; a client adopts a data-less {@code id:} as its position,
 * as EventSource does); and afterwards the server is back where it started:
 * open file descriptors, no streams, polls or channels in the hub, used heap after GC.
 *
 * <p>Short by default ({@value #DEFAULT_SECONDS} s). The long variant, not part of the normal run:
 * {@code . bin/jdk.sh && mvn -B test -Dtest=SoakTest -Dsoak.seconds=600}
 * (also {@code -Dsoak.clients=}, {@code -Dsoak.rate=} publishes per second per publisher,
 * {@code -Dsoak.seed=}).
 */
class SoakTest {

    static final int DEFAULT_SECONDS = 20;
    static final int SECONDS = Integer.getInteger("soak.seconds", DEFAULT_SECONDS);
    static final int CLIENTS = Integer.getInteger("soak.clients", 300);
    static final int RATE = Integer.getInteger("soak.rate", 75);
    static final long SEED = Long.getLong("soak.seed", 42L);
    static final int CHANNELS = 5;
    static final int PUBLISHERS = 2;

    /** How a client connection reads and how it ends. */
    enum Mode {
        /** java.net.http, closed cleanly. */
        HTTP_CLIENT,
        /** Raw socket, closed with FIN. */
        RAW_CLOSE,
        /** Raw socket, reset (RST) at once while the server may be writing. */
        RAW_RESET,
        /** Raw socket with a tiny receive buffer that stops reading, then vanishes with a reset. */
        RAW_STALL,
        /**
         * An extra connection asking for everything since the start (hundreds of KB of replay) that
         * never reads a byte and vanishes with a reset: the server is blocked in {@code write} when it
         * goes. Not part of the client's sequence.
         */
        RAW_FLOOD
    }

    /** What the publishers got answered 200 for. */
    record Published(int channel, long id, int hash) {
    }

    /** Packs {@code <millis>-<seq>} into one long that sorts like the id. */
    static long pack(String id) {
        int dash = id.indexOf('-');
        if (dash < 0 || id.indexOf('.') >= 0) {
            throw new IllegalArgumentException("unexpected event id " + id);
        }
        long millis = Long.parseLong(id.substring(0, dash));
        long seq = Long.parseLong(id.substring(dash + 1));
        if (seq >= 1 << 20) {
            throw new IllegalArgumentException("sequence too large to pack: " + id);
        }
        return millis << 20 | seq;
    }

    static String unpack(long packed) {
        return (packed >>> 20) + "-" + (packed & ((1 << 20) - 1));
    }

    static String channelName(int c) {
        return "soak-" + c;
    }

    /** Growable (id, data hash) log of what one client received. */
    static final class Received {
        long[] ids = new long[256];
        int[] hashes = new int[256];
        int size;

        void add(long id, int hash) {
            if (size == ids.length) {
                ids = Arrays.copyOf(ids, size * 2);
                hashes = Arrays.copyOf(hashes, size * 2);
            }
            ids[size] = id;
            hashes[size] = hash;
            size++;
        }

        long last() {
            return size == 0 ? -1 : ids[size - 1];
        }
    }

    private final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
    private final AtomicInteger problemCount = new AtomicInteger();
    private final Map<String, AtomicInteger> ends = new ConcurrentHashMap<>();
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong positions = new AtomicLong();
    private int port;

    @Test
    void clientsThatComeAndGoMissNothingAndTheServerGivesEverythingBack() throws Exception {
        System.out.println("SoakTest: " + SECONDS + " s, " + CLIENTS + " clients, " + PUBLISHERS + " publishers x "
                + RATE + "/s, seed " + SEED);
        long started = System.nanoTime();
        try (SseBroadcaster server = TestServers.start("--history-size", "100000", "--heartbeat", "1",
                "--max-connections", "5000")) {
            port = server.port();
            // Warm up whatever is created lazily (HTTP client threads, Helidon's first connection) before the baselines
            Http.publish(port, "soak-warmup", "warm");
            long baseFds = openFds();
            long baseHeap = usedHeapAfterGc();

            // One publish to every channel: every client starts right after it
            HttpResponse<String> m = Http.postForm(port, "message=start&channels="
                    + String.join(",", java.util.stream.IntStream.range(0, CHANNELS).mapToObj(SoakTest::channelName).toList()));
            assertEquals(200, m.statusCode(), m.body());
            String marker = Http.json(m.body()).getString("id");

            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            ConcurrentLinkedQueue<Published> publishedQueue = new ConcurrentLinkedQueue<>();
            AtomicBoolean stopPublishing = new AtomicBoolean();
            AtomicBoolean stopClients = new AtomicBoolean();
            CountDownLatch publishersDone = new CountDownLatch(1);
            long[] finalIdPerChannel = new long[CHANNELS];

            List<Thread> publishers = new ArrayList<>();
            try {
                for (int p = 0; p < PUBLISHERS; p++) {
                    int me = p;
                    publishers.add(Thread.ofVirtual().name("publisher-" + p)
                            .start(() -> publish(http, me, stopPublishing, publishedQueue)));
                }
                Client[] clients = new Client[CLIENTS];
                Random seeds = new Random(SEED);
                List<Thread> clientThreads = new ArrayList<>();
                for (int i = 0; i < CLIENTS; i++) {
                    clients[i] = new Client(i, new Random(seeds.nextLong()), marker, http);
                    Client c = clients[i];
                    clientThreads.add(Thread.ofVirtual().name("client-" + i)
                            .start(() -> c.run(stopClients, publishersDone, finalIdPerChannel)));
                }

                Thread.sleep(TimeUnit.SECONDS.toMillis(SECONDS)); // the soak's duration, not a synchronisation
                stopPublishing.set(true);
                for (Thread p : publishers) {
                    p.join(30_000);
                    assertTrue(!p.isAlive(), "publisher did not stop");
                }
                Arrays.fill(finalIdPerChannel, -1);
                for (Published p : publishedQueue) {
                    finalIdPerChannel[p.channel()] = Math.max(finalIdPerChannel[p.channel()], p.id());
                }
                stopClients.set(true);
                publishersDone.countDown();
                for (Thread t : clientThreads) {
                    t.join(60_000);
                    assertTrue(!t.isAlive(), t.getName() + " did not finish catching up");
                }
                long soakMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                HubStats afterRun = server.hub().stats();
                System.out.println("SoakTest: ran " + soakMillis + " ms; " + publishedQueue.size() + " publishes, "
                        + connections.get() + " client connections, " + positions.get() + " position ids adopted; ends " + new TreeMap<>(snapshot(ends))
                        + "; hub " + afterRun);

                assertTrue(problems.isEmpty(), problemCount.get() + " problems, first ones: "
                        + problems.stream().limit(10).toList());
                verifySequences(clients, publishedQueue);

                Arrays.fill(clients, null);
                clientThreads.clear();
                publishedQueue.clear();
            } finally {
                // also when an assertion above failed: nothing of ours outlives the test
                stopPublishing.set(true);
                stopClients.set(true);
                publishersDone.countDown();
                http.shutdownNow(); // aborts what may still run after a failure; nothing does otherwise
                http.awaitTermination(Duration.ofSeconds(10));
            }

            // Everything given back: hub, descriptors, heap
            FuzzTest.awaitNoSubscribers(server, "after every client left");
            try {
                Await.until(() -> openFds() <= baseFds + 16, 20, TimeUnit.SECONDS, "open file descriptors back to "
                        + baseFds + " (+16)");
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "; now " + openFds() + ": " + fdKinds(), e);
            }
            long[] heap = {usedHeapAfterGc()};
            long heapSlack = 64L << 20;
            Await.until(() -> (heap[0] = usedHeapAfterGc()) < baseHeap + heapSlack, 20, TimeUnit.SECONDS,
                    "used heap back near its start");
            System.out.println("SoakTest: fds " + baseFds + " -> " + openFds() + ", used heap " + (baseHeap >> 20)
                    + " MB -> " + (heap[0] >> 20) + " MB; total " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)
                    + " ms");
        }
    }

    /** Records a problem (the first thousand are kept for the failure message). */
    private void problem(String what) {
        if (problemCount.incrementAndGet() <= 1000) {
            problems.add(what);
        }
    }

    private static <K> Map<K, Integer> snapshot(Map<K, AtomicInteger> m) {
        Map<K, Integer> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    // ------------------------------------------------------------------ publishers

    private void publish(HttpClient http, int me, AtomicBoolean stop, ConcurrentLinkedQueue<Published> out) {
        Random r = new Random(SEED * 31 + me);
        long start = System.nanoTime();
        long n = 0;
        while (!stop.get()) {
            int channel = r.nextInt(CHANNELS);
            String message = "p" + me + "-" + n + "-" + "x".repeat(r.nextInt(40));
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/publish"))
                    .timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("channel=" + channelName(channel) + "&message=" + message))
                    .build();
            try {
                HttpResponse<String> resp = http.send(req, HttpResponse.BodyHandlers.ofString());
                if (resp.statusCode() != 200) {
                    problem("publish answered " + resp.statusCode() + " " + resp.body());
                } else {
                    out.add(new Published(channel, pack(Http.json(resp.body()).getString("id")), message.hashCode()));
                }
            } catch (IOException e) {
                problem("publish failed: " + e);
            } catch (InterruptedException e) {
                return;
            }
            n++;
            long due = start + n * 1_000_000_000L / RATE;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                try {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000)); // publish rate
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    // ------------------------------------------------------------------ clients

    /** One client: its channels, what it received, and its last id. */
    private final class Client {
        final int index;
        final Random r;
        final int[] channels;
        final String query;
        final HttpClient http;
        final Received received = new Received();
        String lastId;
        final String startId;
        final List<String> history = new ArrayList<>();

        Client(int index, Random r, String startId, HttpClient http) {
            this.index = index;
            this.r = r;
            this.http = http;
            this.lastId = startId;
            this.startId = startId;
            int roll = r.nextInt(10);
            if (roll == 0) {
                channels = java.util.stream.IntStream.range(0, CHANNELS).toArray();
                query = "channels=soak-*";
            } else if (roll == 1) {
                int a = r.nextInt(CHANNELS);
                int b = (a + 1 + r.nextInt(CHANNELS - 1)) % CHANNELS;
                channels = new int[] {Math.min(a, b), Math.max(a, b)};
                query = "channels=" + channelName(a) + "," + channelName(b);
            } else {
                channels = new int[] {r.nextInt(CHANNELS)};
                query = "channels=" + channelName(channels[0]);
            }
        }

        long finalId(long[] perChannel) {
            long max = -1;
            for (int c : channels) {
                max = Math.max(max, perChannel[c]);
            }
            return max;
        }

        void run(AtomicBoolean stop, CountDownLatch publishersDone, long[] finalIdPerChannel) {
            try {
                while (!stop.get()) {
                    if (r.nextInt(25) == 0) {
                        flood();
                        continue;
                    }
                    Mode mode = Mode.values()[r.nextInt(Mode.RAW_FLOOD.ordinal())];
                    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50 + r.nextInt(1500));
                    int maxEvents = 1 + r.nextInt(r.nextBoolean() ? 20 : 400);
                    connect(mode, () -> System.nanoTime() > until || stop.get(), maxEvents);
                    pause(r.nextInt(200));
                }
                publishersDone.await();
                long goal = finalId(finalIdPerChannel);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (received.last() < goal && System.nanoTime() < deadline) {
                    connect(Mode.RAW_CLOSE, () -> received.last() >= goal || System.nanoTime() > deadline, Integer.MAX_VALUE);
                }
            } catch (InterruptedException e) {
                problem("client " + index + " interrupted");
            } catch (RuntimeException | AssertionError e) {
                problem("client " + index + " crashed: " + e);
            }
        }

        private void flood() throws InterruptedException {
            connections.incrementAndGet();
            String request = "GET /?" + query + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                    + "\r\nAccept: text/event-stream\r\nLast-Event-ID: " + startId + "\r\n\r\n";
            try (RawHttp conn = RawHttp.open(port, 10_000, 1024)) {
                conn.write(request.getBytes(StandardCharsets.US_ASCII));
                pause(200 + r.nextInt(800));
                conn.abort();
                ends.computeIfAbsent(Mode.RAW_FLOOD + " RESET", k -> new AtomicInteger()).incrementAndGet();
            } catch (IOException e) {
                problem("client " + index + " could not connect: " + e);
            }
        }

        private void pause(long millis) throws InterruptedException {
            Thread.sleep(millis); // time between a client's connections
        }

        /** One connection: reads until {@code done} or {@code maxEvents} events, then ends it the mode's way. */
        private void connect(Mode mode, java.util.function.BooleanSupplier done, int maxEvents) {
            connections.incrementAndGet();
            boolean useParam = r.nextInt(5) == 0;
            String q = query + (useParam ? "&lastEventId=" + lastId : "");
            history.add(mode + (useParam ? " param " : " header ") + lastId);
            if (history.size() > 8) {
                history.remove(0);
            }
            int[] count = {0};
            SseWire.Listener listener = new SseWire.Listener() {
                @Override
                public boolean event(String id, String event, String data) {
                    if (id == null) {
                        problem("client " + index + " got an event without id: " + event + " " + data);
                        return false;
                    }
                    long packed = pack(id);
                    if (packed <= received.last()) {
                        problem("client " + index + " got " + id + " after " + unpack(received.last())
                                + " (duplicate or out of order); recent connections " + history);
                    }
                    received.add(packed, data.hashCode());
                    lastId = id;
                    return ++count[0] < maxEvents && !done.getAsBoolean();
                }

                @Override
                public boolean comment(String text) {
                    return !done.getAsBoolean();
                }

                @Override
                public boolean position(String id) {
                    lastId = id; // as EventSource does: resume from here even without an event
                    positions.incrementAndGet();
                    return !done.getAsBoolean();
                }
            };
            SseWire.End end;
            if (mode == Mode.HTTP_CLIENT) {
                end = viaHttpClient(q, useParam, listener);
            } else {
                end = viaRawSocket(mode, q, useParam, listener);
            }
            ends.computeIfAbsent(mode + " " + end, k -> new AtomicInteger()).incrementAndGet();
        }

        private SseWire.End viaHttpClient(String q, boolean useParam, SseWire.Listener listener) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/?" + q))
                    .header("Accept", "text/event-stream");
            if (!useParam) {
                b.header("Last-Event-ID", lastId);
            }
            try {
                HttpResponse<InputStream> resp = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
                try (InputStream in = resp.body()) {
                    if (!checkResponse(resp.statusCode(), resp.headers().firstValue("X-SSE-History-Truncated").orElse(null))) {
                        return SseWire.End.ERROR;
                    }
                    return SseWire.readDecoded(in, listener);
                }
            } catch (IOException e) {
                problem("client " + index + " could not connect: " + e);
                return SseWire.End.ERROR;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return SseWire.End.ERROR;
            }
        }

        private SseWire.End viaRawSocket(Mode mode, String q, boolean useParam, SseWire.Listener listener) {
            String request = "GET /?" + q + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nAccept: text/event-stream\r\n"
                    + (useParam ? "" : "Last-Event-ID: " + lastId + "\r\n") + "\r\n";
            RawHttp conn = null;
            try {
                conn = RawHttp.open(port, 10_000, mode == Mode.RAW_STALL ? 1024 : 0);
                conn.write(request.getBytes(StandardCharsets.US_ASCII));
                RawHttp.Response resp = conn.read(false);
                if (resp == null || !checkResponse(resp.status(), resp.header("x-sse-history-truncated"))) {
                    return SseWire.End.ERROR;
                }
                if (resp.body() != null) {
                    problem("client " + index + " got a response that is not a stream: " + resp);
                    return SseWire.End.ERROR;
                }
                SseWire.End end;
                if (mode == Mode.RAW_STALL) {
                    // read a few events, then stop reading while the server keeps writing, then vanish
                    int[] few = {r.nextInt(4)};
                    end = SseWire.read(resp, conn.input(), new SseWire.Listener() {
                        @Override
                        public boolean event(String id, String event, String data) {
                            return listener.event(id, event, data) && few[0]-- > 0;
                        }

                        @Override
                        public boolean comment(String text) {
                            return listener.comment(text) && few[0]-- > 0;
                        }

                        @Override
                        public boolean position(String id) {
                            return listener.position(id) && few[0]-- > 0;
                        }
                    });
                    pause(200 + r.nextInt(1500));
                } else {
                    end = SseWire.read(resp, conn.input(), listener);
                }
                if (mode == Mode.RAW_CLOSE) {
                    conn.close();
                } else {
                    conn.abort();
                }
                return end;
            } catch (IOException e) {
                problem("client " + index + " could not connect: " + e);
                return SseWire.End.ERROR;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return SseWire.End.ERROR;
            } finally {
                if (conn != null) {
                    conn.close();
                }
            }
        }

        private boolean checkResponse(int status, String truncated) {
            if (status != 200) {
                problem("client " + index + " subscribe answered " + status);
                return false;
            }
            if (truncated != null) {
                problem("client " + index + " was told its history was truncated (last id " + lastId + ")");
                return false;
            }
            return true;
        }
    }

    // ------------------------------------------------------------------ checks

    private static void verifySequences(Client[] clients, ConcurrentLinkedQueue<Published> published) {
        List<Published> all = new ArrayList<>(published);
        all.sort((a, b) -> Long.compare(a.id(), b.id()));
        for (int i = 1; i < all.size(); i++) {
            assertTrue(all.get(i).id() > all.get(i - 1).id(), "the server issued id " + unpack(all.get(i).id()) + " twice");
        }
        int checked = 0;
        for (Client c : clients) {
            List<Published> expected = new ArrayList<>();
            for (Published p : all) {
                for (int ch : c.channels) {
                    if (p.channel() == ch) {
                        expected.add(p);
                    }
                }
            }
            Received got = c.received;
            int n = Math.min(expected.size(), got.size);
            for (int i = 0; i < n; i++) {
                if (got.ids[i] != expected.get(i).id()) {
                    throw new AssertionError("client " + c.index + " (" + c.query + ") event #" + i + ": expected "
                            + unpack(expected.get(i).id()) + " but got " + unpack(got.ids[i])
                            + (got.ids[i] > expected.get(i).id() ? " (missed one)" : " (duplicate or foreign)")
                            + "; recent connections " + c.history);
                }
                if (got.hashes[i] != expected.get(i).hash()) {
                    throw new AssertionError("client " + c.index + " event " + unpack(got.ids[i]) + " has other data than published");
                }
            }
            assertEquals(expected.size(), got.size, "client " + c.index + " (" + c.query + ") received "
                    + got.size + " events of " + expected.size() + "; recent connections " + c.history);
            checked += got.size;
        }
        System.out.println("SoakTest: " + clients.length + " clients received exactly their " + checked + " events");
    }

    static long openFds() {
        String[] fds = new File("/proc/self/fd").list();
        return fds == null ? -1 : fds.length;
    }

    /** Counts the descriptors by what they point at, for a failure message. */
    static Map<String, Integer> fdKinds() {
        Map<String, Integer> kinds = new TreeMap<>();
        File[] fds = new File("/proc/self/fd").listFiles();
        if (fds != null) {
            for (File f : fds) {
                String target;
                try {
                    target = java.nio.file.Files.readSymbolicLink(f.toPath()).toString();
                } catch (IOException e) {
                    target = "?";
                }
                kinds.merge(target.replaceAll("\\[\\d+]", "").replaceAll("^/.*", "file"), 1, Integer::sum);
            }
        }
        return kinds;
    }

    static long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        System.gc();
        return rt.totalMemory() - rt.freeMemory();
    }
}
