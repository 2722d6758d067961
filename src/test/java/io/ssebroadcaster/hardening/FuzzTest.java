package io.ssebroadcaster.hardening;

import io.ssebroadcaster.Await;
import io.ssebroadcaster.Http;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.SseClient;
import io.ssebroadcaster.TestServers;
import io.ssebroadcaster.http.HeaderSizeLimit;
import io.ssebroadcaster.hub.HubStats;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Throws {@value #DEFAULT_REQUESTS} generated malformed requests at {@code POST /publish} and
 * {@code GET /} (and a few other paths) of one server: over raw sockets for what an HTTP client
 * library refuses to send (invalid UTF-8, broken request lines, odd header bytes, broken framing,
 * truncated bodies), and over {@code java.net.http} for the rest (odd parameters and bodies).
 *
 * <p>Asserts: never a 5xx; every 4xx that our routes produced is {@code {"status":"error",...}}
 * JSON (Helidon's own rejections of malformed HTTP, before routing, are only counted); a request
 * that is well-formed HTTP always gets an answer; the server afterwards still publishes and
 * streams, answers {@code /stats}, and has no stream or poll left once the fuzz connections are
 * gone.
 *
 * <p>Each request is generated from {@code seed} and its index alone, so a failure report names
 * both and the request can be replayed by itself:
 * {@code mvn -B test -Dtest=FuzzTest -Dfuzz.seed=<seed> -Dfuzz.only=<index>}
 * ({@code -Dfuzz.requests=N} changes the count, {@code -Dfuzz.threads=N} the client threads,
 * {@code -Dfuzz.slow=true} prints every request that took over 150 ms).
 */
class FuzzTest {

    static final int DEFAULT_REQUESTS = 10_000;
    static final long SEED = Long.getLong("fuzz.seed", 20261124L);
    static final int REQUESTS = Integer.getInteger("fuzz.requests", DEFAULT_REQUESTS);
    static final int ONLY = Integer.getInteger("fuzz.only", -1);
    static final int THREADS = Integer.getInteger("fuzz.threads", 4);
    static final int MAX_MESSAGE_BYTES = 4096;
    static final int READ_TIMEOUT_MS = 10_000;

    /** Names the generator uses as valid channels; a background publisher keeps them busy, so valid long polls end at once. */
    static final List<String> CHANNELS = List.of("fz", "fz.a", "fz:b", "fz/c", "fz@d", "fz_e", "fz-f");
    static final List<String> PATTERNS = List.of("fz*", "*", "fz.*", "*a*", "**");

    /** The publisher key, a JWT secret and private channels: the access checks get malformed credentials too. */
    static final String KEY = "fuzz-publisher-key";
    static final String JWT_SECRET = "fuzz-jwt-secret-that-is-long-enough-for-hs256";
    static final String PRIVATE_CHANNELS = "fz.a,fz:b";

    static final String FORM = "application/x-www-form-urlencoded";
    static final String JSON = "application/json";

    enum Target { PUBLISH, SUBSCRIBE, OTHER }

    /** How the bytes are sent: as a whole; then half-closed; then dropped at once; or waiting briefly for nothing. */
    enum Delivery { NORMAL, HALF_CLOSE, CUT_AND_CLOSE, SHORT_WAIT }

    /**
     * One generated request: raw bytes, or a {@code java.net.http} request.
     *
     * @param httpValid the request is well-formed HTTP/1.1 (so our routes must see it and answer it)
     * @param reusable  may go over a kept-alive connection
     */
    record Case(int index, Target target, String method, boolean httpValid, Delivery delivery, boolean reusable,
                List<String> tags, byte[] raw, HttpRequest request, byte[] clientBody) {

        String shown() {
            if (raw != null) {
                return "raw " + delivery + " (" + raw.length + " bytes): " + escape(raw, 700);
            }
            StringBuilder sb = new StringBuilder("java.net.http ").append(request.method()).append(' ')
                    .append(request.uri()).append(' ').append(request.headers().map());
            if (clientBody != null) {
                sb.append(" body (").append(clientBody.length).append(" bytes): ").append(escape(clientBody, 500));
            }
            return sb.toString();
        }
    }

    /** What came back; {@code status} -1 when nothing did, and {@code note} says why. */
    record Outcome(int status, String contentType, byte[] body, boolean stream, String note, boolean reused) {

        static Outcome none(String note, boolean reused) {
            return new Outcome(-1, null, null, false, note, reused);
        }

        String shown() {
            if (status < 0) {
                return "no response: " + note;
            }
            return status + " " + contentType + (stream ? " (stream) " : " ") + (body == null ? "" : escape(body, 400));
        }
    }

    /** Tally of problems (a test failure) and of Helidon's low-level rejections (only reported). */
    static final class Tally {
        final Map<String, AtomicInteger> findings = new ConcurrentHashMap<>();
        final Map<String, String> examples = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> lowLevel = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> statuses = new ConcurrentHashMap<>();

        /** The tag that best tells what kind of request it was, so distinct causes are reported apart. */
        static String kind(Case c) {
            for (String prefix : List.of("garbage-", "truncated-body", "bad-chunks", "bad-content-length",
                    "two-content-types", "content-type", "odd-accept", "traversal", "ticker")) {
                for (String tag : c.tags()) {
                    if (tag.startsWith(prefix)) {
                        return tag;
                    }
                }
            }
            return "";
        }

        void finding(String problem, Case c, Outcome o) {
            String signature = problem + (kind(c).isEmpty() ? "" : " [" + kind(c) + "]");
            findings.computeIfAbsent(signature, k -> new AtomicInteger()).incrementAndGet();
            examples.putIfAbsent(signature, "seed " + SEED + " index " + c.index() + " tags " + c.tags()
                    + "\n      request:  " + c.shown() + "\n      response: " + o.shown());
        }

        void lowLevel(String what) {
            lowLevel.computeIfAbsent(what, k -> new AtomicInteger()).incrementAndGet();
        }

        void status(String what) {
            statuses.computeIfAbsent(what, k -> new AtomicInteger()).incrementAndGet();
        }

        static String sorted(Map<String, AtomicInteger> m) {
            Map<String, Integer> out = new TreeMap<>();
            m.forEach((k, v) -> out.put(k, v.get()));
            return out.toString();
        }

        String report() {
            StringBuilder sb = new StringBuilder();
            List<String> keys = new ArrayList<>(findings.keySet());
            keys.sort((a, b) -> findings.get(b).get() - findings.get(a).get());
            for (String k : keys) {
                sb.append("\n  ").append(findings.get(k).get()).append("x ").append(k)
                        .append("\n      e.g. ").append(examples.get(k));
            }
            return sb.toString();
        }
    }

    private final Tally tally = new Tally();
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private int port;

    @Test
    void malformedRequestsGetJsonErrorsNever5xxAndLeaveTheServerHealthy() throws Exception {
        System.out.println("FuzzTest: seed " + SEED + ", " + REQUESTS + " requests (replay one with -Dfuzz.seed="
                + SEED + " -Dfuzz.only=<index>)");
        long started = System.nanoTime();
        try (client; SseBroadcaster server = TestServers.start("--heartbeat", "1", "--poll-timeout", "1",
                "--max-message-bytes", String.valueOf(MAX_MESSAGE_BYTES), "--max-channels", "8",
                "--http-secret", KEY, "--jwt-secret", JWT_SECRET, "--private-channels", PRIVATE_CHANNELS)) {
            port = server.port();
            AtomicBoolean stop = new AtomicBoolean();
            Thread ticker = Thread.ofVirtual().start(() -> keepChannelsBusy(stop));
            AtomicInteger next = new AtomicInteger(ONLY >= 0 ? ONLY : 0);
            int end = ONLY >= 0 ? ONLY + 1 : REQUESTS;
            ConcurrentLinkedQueue<Throwable> crashes = new ConcurrentLinkedQueue<>();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                workers.add(Thread.ofPlatform().name("fuzz-" + t).start(() -> {
                    Worker w = new Worker();
                    try {
                        for (int i = next.getAndIncrement(); i < end; i = next.getAndIncrement()) {
                            Case c;
                            try {
                                c = generate(i);
                            } catch (RuntimeException e) {
                                throw new IllegalStateException("generating request " + i + " of seed " + SEED, e);
                            }
                            w.run(c);
                        }
                    } catch (Throwable e) {
                        crashes.add(e);
                    } finally {
                        w.close();
                    }
                }));
            }
            for (Thread w : workers) {
                w.join(TimeUnit.MINUTES.toMillis(3));
                assertTrue(!w.isAlive(), "fuzz worker still running after 3 minutes: the server stopped answering?");
            }
            stop.set(true);
            ticker.join(10_000);
            long fuzzMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            System.out.println("FuzzTest: " + (end - (ONLY >= 0 ? ONLY : 0)) + " requests in " + fuzzMillis + " ms"
                    + "\n  statuses: " + Tally.sorted(tally.statuses)
                    + "\n  Helidon's low-level rejections (not failures): " + Tally.sorted(tally.lowLevel));
            if (!crashes.isEmpty()) {
                throw new AssertionError("fuzz worker crashed", crashes.peek());
            }
            if (!tally.findings.isEmpty()) {
                System.out.println("FuzzTest findings:" + tally.report());
            }

            long healthStarted = System.nanoTime();
            assertServerHealthy(server);
            System.out.println("FuzzTest: healthy again after " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - healthStarted)
                    + " ms; " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms in all");
            assertTrue(tally.findings.isEmpty(), "fuzzing found problems (seed " + SEED + "):" + tally.report());
        }
    }

    /** A normal round trip works, /stats answers, and no stream or poll outlived its connection. */
    private void assertServerHealthy(SseBroadcaster server) {
        awaitNoSubscribers(server, "after the fuzz connections closed");
        try (SseClient sub = SseClient.open(port, "channels=health")) {
            assertEquals(200, sub.status());
            sub.awaitComments(1);
            HttpResponse<String> published = Http.postForm(port, "channel=health&message=still+alive&key=" + KEY);
            assertEquals(200, published.statusCode(), published.body());
            String id = Http.json(published.body()).getString("id");
            SseClient.Received got = sub.awaitCount(1).get(0);
            assertEquals("still alive", got.data());
            assertEquals(id, got.id());
        }
        HttpResponse<String> stats = Http.get(port, "/stats");
        assertEquals(200, stats.statusCode());
        assertTrue(Http.json(stats.body()).containsKey("connections"), stats.body());
    }

    static void awaitNoSubscribers(SseBroadcaster server, String when) {
        try {
            Await.until(() -> {
                HubStats s = server.hub().stats();
                return s.streams() == 0 && s.polls() == 0 && s.channels().isEmpty();
            }, 15, TimeUnit.SECONDS, "no streams, polls or channels " + when);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; hub now " + server.hub().stats(), e);
        }
    }

    /** Publishes to every fuzz channel every 20 ms, so a valid long poll is answered at once instead of after 1 s. */
    private void keepChannelsBusy(AtomicBoolean stop) {
        String body = "message=tick&key=" + KEY + "&channels=" + String.join(",", CHANNELS);
        while (!stop.get()) {
            HttpResponse<String> r = Http.postForm(port, body);
            if (r.statusCode() != 200) {
                tally.finding("background publish refused: " + r.statusCode(), new Case(-1, Target.PUBLISH, "POST",
                        true, Delivery.NORMAL, true, List.of("ticker"), body.getBytes(StandardCharsets.US_ASCII), null,
                        null), new Outcome(r.statusCode(), null, r.body().getBytes(StandardCharsets.UTF_8), false, "", false));
            }
            pace(20);
        }
    }

    private static void pace(long millis) {
        try {
            Thread.sleep(millis); // the background publisher's rate, not a synchronisation
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------ running and judging

    /** One client thread: a kept-alive raw connection for well-formed requests, fresh ones for the rest. */
    private final class Worker {
        private RawHttp conn;

        void run(Case c) {
            long t0 = System.nanoTime();
            judgeOne(c);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            if (ms > 150 && Boolean.getBoolean("fuzz.slow")) {
                String shown = c.shown();
                System.out.println("FuzzTest slow: " + ms + " ms, index " + c.index() + " " + c.tags() + " "
                        + shown.substring(0, Math.min(300, shown.length())));
            }
        }

        private void judgeOne(Case c) {
            Outcome o = c.raw != null ? runRaw(c, true) : runClient(c);
            String problem = problem(c, o);
            if (problem != null && o.reused()) {
                // The server may drop an idle kept-alive connection as we reuse it: retry on a fresh one,
                // and tell a real difference (the previous request left the connection out of step) apart.
                Outcome fresh = runRaw(c, false);
                if (problem(c, fresh) == null && o.status() >= 0) {
                    tally.finding("answer differs on a kept-alive connection (" + problem + ")", c, o);
                }
                o = fresh;
            }
            judge(c, o);
        }

        private Outcome runRaw(Case c, boolean mayReuse) {
            boolean reused = mayReuse && c.reusable() && conn != null;
            RawHttp socket = null;
            boolean keep = false;
            try {
                socket = reused ? conn : RawHttp.open(port, READ_TIMEOUT_MS);
                if (reused) {
                    conn = null;
                }
                if (c.delivery() == Delivery.SHORT_WAIT) {
                    socket.readTimeout(200);
                }
                try {
                    socket.write(c.raw());
                } catch (IOException e) {
                    // A server may answer an oversized request (414, 431, 413) and close before the
                    // client has finished sending it; its answer can still be read
                    if (c.delivery() != Delivery.NORMAL) {
                        throw e;
                    }
                    RawHttp.Response early = readQuietly(socket);
                    if (early == null) {
                        throw e;
                    }
                    return new Outcome(early.status(), early.header("content-type"),
                            early.body() == null ? new byte[0] : early.body(), false, "", reused);
                }
                switch (c.delivery()) {
                    case CUT_AND_CLOSE -> {
                        socket.abort();
                        return Outcome.none("abandoned", false);
                    }
                    case HALF_CLOSE -> socket.shutdownOutput();
                    default -> { }
                }
                RawHttp.Response r;
                try {
                    r = socket.read("HEAD".equals(c.method()));
                } catch (SocketTimeoutException e) {
                    return Outcome.none(c.delivery() == Delivery.SHORT_WAIT ? "waiting for the body" : "timeout", reused);
                }
                if (r == null) {
                    return Outcome.none("closed", reused);
                }
                if (r.body() == null) {
                    return new Outcome(r.status(), r.header("content-type"), firstOfStream(r, socket.input()), true, "", reused);
                }
                keep = c.reusable() && c.delivery() == Delivery.NORMAL && !r.closesConnection();
                return new Outcome(r.status(), r.header("content-type"), r.body(), false, "", reused);
            } catch (IOException | RuntimeException e) {
                return Outcome.none("io: " + e, reused);
            } finally {
                if (keep) {
                    if (conn != null) {
                        conn.close();
                    }
                    conn = socket;
                } else if (socket != null) {
                    socket.close();
                }
            }
        }

        void close() {
            if (conn != null) {
                conn.close();
            }
        }
    }

    /**
     * A request line or header block over the documented limits (32 KiB, 16 KiB): the server may answer
     * and close before the client has sent it all, and then the client's write or read can fail with a
     * reset instead of showing the answer. That is allowed.
     */
    private static boolean overLimits(byte[] raw) {
        String text = new String(raw, 0, Math.min(raw.length, 300_000), StandardCharsets.ISO_8859_1);
        int lineEnd = text.indexOf("\r\n");
        int headEnd = text.indexOf("\r\n\r\n");
        return (lineEnd < 0 ? text.length() : lineEnd) > HeaderSizeLimit.MAX_REQUEST_LINE_BYTES
                || (headEnd < 0 ? text.length() : headEnd) - Math.max(0, lineEnd) > HeaderSizeLimit.MAX_HEADER_BYTES;
    }

    /** What the server answered before it closed, or null when nothing can be read. */
    private static RawHttp.Response readQuietly(RawHttp socket) {
        try {
            return socket.read(false);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The first comment or event of a stream, as "comment:&lt;text&gt;" or "event:&lt;data&gt;". */
    private static byte[] firstOfStream(RawHttp.Response head, InputStream in) {
        String[] first = {"nothing"};
        SseWire.read(head, in, new SseWire.Listener() {
            @Override
            public boolean event(String id, String event, String data) {
                first[0] = "event:" + data;
                return false;
            }

            @Override
            public boolean comment(String text) {
                first[0] = "comment:" + text;
                return false;
            }
        });
        return first[0].getBytes(StandardCharsets.UTF_8);
    }

    private Outcome runClient(Case c) {
        try {
            HttpResponse<InputStream> r = client.send(c.request(), HttpResponse.BodyHandlers.ofInputStream());
            String ct = r.headers().firstValue("content-type").orElse(null);
            try (InputStream in = r.body()) {
                if (r.statusCode() == 200 && ct != null && ct.startsWith("text/event-stream")) {
                    byte[] head = in.readNBytes(4);
                    return new Outcome(200, ct, head, true, "", false); // closing drops the connection
                }
                return new Outcome(r.statusCode(), ct, in.readNBytes(RawHttp.MAX_BODY), false, "", false);
            }
        } catch (HttpTimeoutException e) {
            return Outcome.none("timeout", false);
        } catch (IOException e) {
            return Outcome.none("io: " + e, false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Null when the outcome is acceptable; else what is wrong with it (without recording anything). */
    static String problem(Case c, Outcome o) {
        int s = o.status();
        if (s >= 500) {
            if (s == 505 && c.tags().contains("version")) {
                return null; // Helidon speaks HTTP/1.1 only: a request line with another version
            }
            return "HTTP " + s + " on " + c.target() + (isJsonError(o) || isHeadOfJson(c, o) ? " (our error JSON)" : " (from Helidon, not JSON)");
        }
        if (s >= 400) {
            if (c.target() != Target.OTHER && !isJsonError(o) && !isHeadOfJson(c, o) && c.httpValid() && s != 414 && s != 431) {
                return "non-JSON " + s + " for a well-formed request on " + c.target();
            }
            return null;
        }
        if (s >= 200) {
            if (c.target() == Target.PUBLISH && s == 200 && "POST".equals(c.method()) && !isJsonOk(o)) {
                return "200 on /publish without {\"status\":\"ok\",\"id\":...} (or \"ids\" for a batch)";
            }
            if (s == 200 && o.stream() && !new String(o.body(), StandardCharsets.UTF_8).matches("comment:ok|: ok")) {
                return "stream does not start with ': ok'";
            }
            if (s == 200 && c.tags().contains("traversal") && leaks(o.body())) {
                return "path traversal: a file outside the static folders was served";
            }
            return null;
        }
        if (s < 0) {
            boolean expectAnswer = c.delivery() == Delivery.NORMAL || c.delivery() == Delivery.HALF_CLOSE;
            if (o.note().equals("timeout") && expectAnswer) {
                return "no answer within " + READ_TIMEOUT_MS + " ms on " + c.target();
            }
            if (c.httpValid() && c.delivery() == Delivery.NORMAL && !o.note().equals("abandoned")
                    && !(o.note().startsWith("io:") && overLimits(c.raw()))) {
                return "well-formed request on " + c.target() + " not answered (" + o.note().replaceAll("@\\w+", "") + ")";
            }
            return null;
        }
        return "unexpected status " + s;
    }

    private void judge(Case c, Outcome o) {
        String problem = problem(c, o);
        tally.status(c.target() + " " + (o.status() >= 0 ? String.valueOf(o.status()) : o.note().startsWith("io:")
                ? "io-error" : o.note()));
        if (problem != null) {
            tally.finding(problem, c, o);
        } else if (o.status() >= 400 && c.target() != Target.OTHER && !isJsonError(o) && !isHeadOfJson(c, o)) {
            tally.lowLevel(o.status() + (o.body() != null && o.body().length == 0 ? " empty body" : " non-JSON"));
        } else if (o.status() >= 500) {
            tally.lowLevel(o.status() + " for another HTTP version");
        } else if (o.status() < 0 && !o.note().equals("abandoned") && !o.note().equals("waiting for the body")) {
            tally.lowLevel("closed without an answer");
        }
    }

    static boolean isJsonError(Outcome o) {
        JsonObject json = jsonObject(o);
        return json != null && "error".equals(stringField(json, "status")) && stringField(json, "error") != null;
    }

    /** A HEAD answer carries the JSON error's headers without its body. */
    static boolean isHeadOfJson(Case c, Outcome o) {
        return "HEAD".equals(c.method()) && o.contentType() != null
                && o.contentType().toLowerCase(Locale.ROOT).startsWith("application/json") && o.body().length == 0;
    }

    static boolean isJsonOk(Outcome o) {
        JsonObject json = jsonObject(o);
        if (json == null || !"ok".equals(stringField(json, "status"))) {
            return false;
        }
        if (json.get("ids") instanceof jakarta.json.JsonArray ids) { // a batch publish
            return !ids.isEmpty() && ids.stream().allMatch(v -> v instanceof JsonString s && s.getString().matches("\\d+-\\d+"));
        }
        return stringField(json, "id") != null && stringField(json, "id").matches("\\d+-\\d+");
    }

    private static JsonObject jsonObject(Outcome o) {
        if (o.body() == null || o.contentType() == null
                || !o.contentType().toLowerCase(Locale.ROOT).startsWith("application/json")) {
            return null;
        }
        try {
            JsonValue v = Json.createReader(new StringReader(new String(o.body(), StandardCharsets.UTF_8))).readValue();
            return v instanceof JsonObject obj ? obj : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String stringField(JsonObject json, String name) {
        return json.get(name) instanceof JsonString s ? s.getString() : null;
    }

    private static boolean leaks(byte[] body) {
        String text = new String(body, StandardCharsets.ISO_8859_1);
        return text.contains("<project") || text.contains("handlers=java.util.logging")
                || text.startsWith("\u00ca\u00fe\u00ba\u00be") || text.contains("root:");
    }

    // ------------------------------------------------------------------ generating

    Case generate(int index) {
        return new Gen(new Random(SEED * 0x9E3779B97F4A7C15L + index), index, port).next();
    }

    static final String[] JUNK = {"", " ", "\t", "\n", "\r\n", "\u0000", "%", "&", "=", "+", ";", ",", ",,", "*", "**",
        "\"", "'", "<script>", "\\", "\u00e9", "\u65e5\u672c\u8a9e", "\uD83D\uDE00", "\u2028", "\u0085", "\uFEFF",
        "\uFFFD", "\uD800", "null", "[]", "{}", "true", "-1", "1-0", "0-0", "fz fz", " fz", "fz ", "fz\u0000", "fz\n"};
    static final String[] BROKEN_ESCAPES = {"%", "%Z", "%ZZ", "%G1", "%1", "%%", "%-1", "%+1", "% 1", "%0", "%F", "%%41"};
    static final String[] BAD_UTF8_ESCAPES = {"%FF", "%FE%FF", "%C3%28", "%C0%AF", "%E0%80%AF", "%ED%A0%80",
        "%ED%BF%BF", "%F4%90%80%80", "%F8%88%80%80%80", "%80", "%C3", "%E2%82", "%00", "%0A", "%0D%0A"};
    static final String[] EVENT_IDS = {"", "0", "1-0", "1795508511032-0", "1795508511032-0.3", "-", "1-", "-1",
        "1--2", "1-2-3", "1.2", "1-2.3.4", "9999999999999999999", "999999999999999999-999999999999999999",
        "18446744073709551616", " 1-2 ", "abc", "\uFF11\uFF12\uFF13", "+1-2", "0x10", "1e5", "NaN", "1-2.", "1-.2",
        ".", "00000000000000000001-0", "1 -2", "1-2 3", "\u0661-\u0662", "1\t-2"};
    static final String[] ACCEPTS = {"text/event-stream", "*/*", "", ";;", ";;;", "text/event-stream;q=abc",
        "text/*;q=2", "a/b/c", "\"", "text/event-stream, */*;q=0.1", "application/json", "text/event-stream;q=0",
        "text", "/", "*/*;q=", "text/event-stream; charset", ",", "text/event-stream,,,", "text/event-stream;a=\"b"};
    static final String[] CONTENT_TYPES = {FORM, JSON, "application/json; charset=utf-8", "APPLICATION/JSON",
        "Application/X-WWW-Form-Urlencoded", "application/x-www-form-urlencoded; charset=ISO-8859-1", "text/plain",
        "multipart/form-data; boundary=x", "application/xml", "", ";;;", "text", "/", "application/json; charset",
        "application/json; q=\"", "*/*", "application/*", "application/json;;", "application/json; charset=\"utf-8",
        "application/json ; charset = utf-8", "application/x-www-form-urlencoded, application/json",
        "application/json; charset=utf-16", "application/json; charset=nope"};
    static final String[] OTHER_PATHS = {"/stats", "/stats?channels=a", "/publish/", "/publishx", "/static/jquery.sse.js",
        "/static/jquery.min.js", "/demo/", "/demo/index.html", "/observe/health", "/observe/health/ready",
        "/observe/metrics", "/nothing", "//", "/?", "/a;b", "/%2e%2e/", "/.%2e/pom.xml"};
    static final String[] TRAVERSALS = {"/static/../logging.properties", "/static/%2e%2e/logging.properties",
        "/static/..%2flogging.properties", "/static/%2e%2e%2f%2e%2e%2fpom.xml", "/demo/../../logging.properties",
        "/static/....//logging.properties", "/static/..\\logging.properties", "/static/%252e%252e/logging.properties",
        "/static//etc/passwd", "/demo/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/static/../io/ssebroadcaster/Main.class",
        "/static/%c0%ae%c0%ae/logging.properties"};

    /** Generates one case from its own random source. */
    static final class Gen {
        private final Random r;
        private final int index;
        private final int port;
        private final List<String> tags = new ArrayList<>();
        private boolean httpValid = true;

        Gen(Random r, int index, int port) {
            this.r = r;
            this.index = index;
            this.port = port;
        }

        Case next() {
            int roll = r.nextInt(100);
            if (roll < 30) {
                return rawPublish();
            } else if (roll < 48) {
                return clientPublish();
            } else if (roll < 68) {
                return rawSubscribe();
            } else if (roll < 82) {
                return clientSubscribe();
            } else if (roll < 94) {
                return rawGarbage();
            }
            return otherPath();
        }

        private boolean chance(int percent) {
            return r.nextInt(100) < percent;
        }

        private <T> T pick(T[] options) {
            return options[r.nextInt(options.length)];
        }

        private <T> T pick(List<T> options) {
            return options.get(r.nextInt(options.size()));
        }

        private int logUniform(int min, int max) {
            return (int) Math.min(max, Math.round(min * Math.pow((double) max / min, r.nextDouble())));
        }

        // --- values

        /** A field or parameter value, before encoding. */
        String value() {
            int roll = r.nextInt(100);
            if (roll < 30) {
                return pick(CHANNELS);
            } else if (roll < 35) {
                return pick(PATTERNS);
            } else if (roll < 45) {
                tags.add("long-name");
                StringBuilder sb = new StringBuilder();
                int n = logUniform(1, 400);
                String alphabet = "abcXYZ019_-.:@/";
                for (int i = 0; i < n; i++) {
                    sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
                }
                return sb.toString();
            } else if (roll < 60) {
                tags.add("junk");
                return pick(JUNK);
            } else if (roll < 64) {
                tags.add("huge");
                return "x".repeat(logUniform(256, 200_000));
            } else if (roll < 72) {
                tags.add("list");
                int n = r.nextInt(1, 80);
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < n; i++) {
                    sb.append(chance(80) ? pick(CHANNELS) : pick(JUNK)).append(chance(90) ? "," : ",,");
                }
                return sb.toString();
            } else if (roll < 80) {
                tags.add("event-id");
                return pick(EVENT_IDS);
            }
            tags.add("unicode");
            StringBuilder sb = new StringBuilder();
            int n = r.nextInt(1, 40);
            for (int i = 0; i < n; i++) {
                int kind = r.nextInt(6);
                sb.appendCodePoint(switch (kind) {
                    case 0 -> r.nextInt(0x20);
                    case 1 -> 0x20 + r.nextInt(0x5f);
                    case 2 -> 0x80 + r.nextInt(0x780);
                    case 3 -> 0xD800 + r.nextInt(0x800); // lone surrogates
                    case 4 -> 0x10000 + r.nextInt(0xFFFF);
                    default -> 0xFFF0 + r.nextInt(0x10);
                });
            }
            return sb.toString();
        }

        /** Encodes a value for a query or form body, properly or not. */
        byte[] encode(String value) {
            int roll = r.nextInt(100);
            if (roll < 55) {
                return percentEncode(value.getBytes(StandardCharsets.UTF_8), chance(50));
            } else if (roll < 70) {
                tags.add("raw-utf8");
                return value.getBytes(StandardCharsets.UTF_8);
            } else if (roll < 77) {
                tags.add("raw-latin1");
                return value.getBytes(StandardCharsets.ISO_8859_1);
            } else if (roll < 82) {
                tags.add("raw-bytes");
                byte[] b = new byte[r.nextInt(1, 24)];
                r.nextBytes(b);
                return b;
            } else if (roll < 91) {
                tags.add("broken-escape");
                return insert(percentEncode(value.getBytes(StandardCharsets.UTF_8), false), pick(BROKEN_ESCAPES));
            }
            tags.add("bad-utf8-escape");
            return insert(percentEncode(value.getBytes(StandardCharsets.UTF_8), false), pick(BAD_UTF8_ESCAPES));
        }

        private byte[] insert(byte[] into, String what) {
            int at = into.length == 0 ? 0 : r.nextInt(into.length + 1);
            while (at > 0 && at < into.length && into[at - 1] == '%') {
                at--; // keep the proper escapes around it intact
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(into, 0, at);
            out.writeBytes(what.getBytes(StandardCharsets.ISO_8859_1));
            out.write(into, at, into.length - at);
            return out.toByteArray();
        }

        static byte[] percentEncode(byte[] bytes, boolean plusForSpace) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length * 3);
            for (byte b : bytes) {
                int c = b & 0xff;
                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                        || c == '_' || c == '~') {
                    out.write(c);
                } else if (c == ' ' && plusForSpace) {
                    out.write('+');
                } else {
                    out.writeBytes(String.format("%%%02X", c).getBytes(StandardCharsets.US_ASCII));
                }
            }
            return out.toByteArray();
        }

        // --- credentials

        static String base64url(byte[] b) {
            return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        }

        static String signed(String header, String payload) {
            String input = base64url(header.getBytes(StandardCharsets.UTF_8)) + "."
                    + base64url(payload.getBytes(StandardCharsets.UTF_8));
            try {
                javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
                mac.init(new javax.crypto.spec.SecretKeySpec(JWT_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
                return input + "." + base64url(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        /** A bearer token: properly signed with odd claims or headers, JWT-shaped garbage, or junk. */
        String token() {
            int roll = r.nextInt(100);
            if (roll < 20) {
                tags.add("token-good");
                return signed("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", "{\"subscribe\":[\"fz*\",\"*\"],\"publish\":[\"fz*\"],"
                        + "\"exp\":" + pick(new String[] {"4102444800", "1000000000"}) + "}");
            } else if (roll < 60) {
                tags.add("token-odd-claims");
                String header = pick(new String[] {"{\"alg\":\"HS256\"}", "{\"alg\":\"none\"}", "{\"alg\":\"HS512\"}",
                    "{\"alg\":\"RS256\"}", "{}", "{\"alg\":\"HS256\",\"crit\":[\"exp\"]}", "{\"alg\":\"HS256\",\"b64\":false,\"crit\":[\"b64\"]}",
                    "{\"alg\":\"HS256\",\"kid\":\"../../etc/passwd\"}", "{\"alg\":\"HS256\",\"zip\":\"DEF\"}", "[]", "null", "{"});
                List<String> claims = new ArrayList<>();
                for (String name : new String[] {"subscribe", "publish", "exp", "nbf", "iat"}) {
                    if (chance(60)) {
                        claims.add("\"" + name + "\":" + pick(new String[] {"[\"fz*\"]", "\"fz*\"", "[1,2]", "[null]", "[[\"fz\"]]",
                            "null", "{}", "[]", "[\"\"]", "[\"**\"]", "[\"" + "*a".repeat(200) + "\"]", "1e300", "-1",
                            "4102444800", "9223372036854775807", "99999999999999999999", "1.5", "\"tomorrow\"", "true"}));
                    }
                }
                String payload = chance(90) ? "{" + String.join(",", claims) + "}" : pick(new String[] {"[]", "\"x\"", "{", ""});
                String token = signed(header, payload);
                if (chance(10)) {
                    token = token.substring(0, token.length() - 1 - r.nextInt(3)); // signature cut short
                }
                return token;
            } else if (roll < 85) {
                tags.add("token-shaped");
                String[] segments = new String[r.nextInt(1, 6)];
                for (int i = 0; i < segments.length; i++) {
                    byte[] b = new byte[logUniform(1, 2000)];
                    r.nextBytes(b);
                    segments[i] = chance(70) ? base64url(b) : pick(new String[] {"", "eyJ", "eyJhbGciOiJIUzI1NiJ9", "!!",
                        "e30", "bnVsbA", "%%", " ", "=="});
                }
                return String.join(".", segments);
            }
            tags.add("token-junk");
            return pick(new String[] {"", " ", ".", "..", "...", "a.b.c", KEY, KEY + " ", "Bearer", "null", "\u00ff\u00fe",
                "x".repeat(logUniform(1, 20_000))});
        }

        // --- bodies

        byte[] formBody() {
            if (chance(4)) {
                tags.add("random-body");
                byte[] b = new byte[logUniform(1, 3000)];
                r.nextBytes(b);
                return b;
            }
            List<String> names = new ArrayList<>();
            if (chance(65)) {
                names.add(chance(70) ? "channel" : "channels");
                names.add("message");
            }
            int extra = r.nextInt(0, 5);
            for (int i = 0; i < extra; i++) {
                names.add(pick(new String[] {"channel", "channels", "message", "event", "key", "", "lastEventId",
                    "mess%61ge", "message[]", "MESSAGE", "chan nel", "=", "channel\u0000"}));
            }
            if (chance(60)) {
                names.add("key");
            }
            Collections.shuffle(names, r);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (int i = 0; i < names.size(); i++) {
                if (i > 0) {
                    out.writeBytes((chance(95) ? "&" : pick(new String[] {"&&", ";", "&=&", "&amp;"}))
                            .getBytes(StandardCharsets.US_ASCII));
                }
                String name = names.get(i);
                out.writeBytes(name.contains("%") ? name.getBytes(StandardCharsets.UTF_8) : encode(name));
                if (chance(97)) {
                    out.write('=');
                    String v = name.equals("event") && chance(50) ? pick(new String[] {"update", "x\ny", "a\rb",
                        "", "e".repeat(300), "\u0000", "ok\u007f", "id: 1"})
                        : name.equals("key") ? (chance(75) ? KEY : token()) : value();
                    out.writeBytes(encode(v));
                }
            }
            return out.toByteArray();
        }

        String jsonString(String s) {
            StringBuilder sb = new StringBuilder("\"");
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '"' || c == '\\') {
                    sb.append('\\').append(c);
                } else if (c < 0x20) {
                    sb.append(String.format("\\u%04x", (int) c));
                } else {
                    sb.append(c);
                }
            }
            return sb.append('"').toString();
        }

        String jsonValue(int depth) {
            int roll = r.nextInt(depth > 3 ? 6 : 9);
            return switch (roll) {
                case 0, 1 -> jsonString(value());
                case 2 -> pick(new String[] {"0", "-0", "1", "-1", "1.5", "1e400", "-1e-400", "123456789012345678901234567890",
                    "1E+2", "0.000001", "9223372036854775808"});
                case 3 -> pick(new String[] {"true", "false", "null"});
                case 4 -> jsonString(pick(CHANNELS));
                case 5 -> "\"" + pick(CHANNELS) + "\"";
                case 6 -> {
                    StringBuilder sb = new StringBuilder("[");
                    int n = r.nextInt(0, 5);
                    for (int i = 0; i < n; i++) {
                        sb.append(i > 0 ? "," : "").append(jsonValue(depth + 1));
                    }
                    yield sb.append(']').toString();
                }
                default -> jsonObject(depth + 1);
            };
        }

        String jsonObject(int depth) {
            List<String> fields = new ArrayList<>();
            if (depth == 0 && chance(60)) {
                fields.add("\"key\":" + (chance(80) ? jsonString(KEY) : chance(50) ? jsonString(token()) : jsonValue(depth + 1)));
            }
            if (depth == 0 && chance(60)) {
                fields.add("\"" + (chance(60) ? "channel" : "channels") + "\":"
                        + (chance(50) ? jsonString(pick(CHANNELS)) : "[" + jsonString(pick(CHANNELS)) + "]"));
                fields.add("\"message\":" + jsonValue(depth + 1));
            }
            int n = r.nextInt(0, depth == 0 ? 4 : 3);
            for (int i = 0; i < n; i++) {
                String name = pick(new String[] {"channel", "channels", "message", "event", "key", "", "x", "Message"});
                fields.add(jsonString(name) + ":" + jsonValue(depth + 1));
            }
            Collections.shuffle(fields, r);
            return "{" + String.join(",", fields) + "}";
        }

        byte[] jsonBody() {
            int roll = r.nextInt(100);
            String text;
            if (roll < 50) {
                text = jsonObject(0);
            } else if (roll < 58) {
                text = jsonValue(0);
            } else if (roll < 70) {
                tags.add("deep-json");
                int n = logUniform(10, 5000);
                String open = chance(50) ? "[" : "{\"a\":";
                String close = open.equals("[") ? "]" : "}";
                String nested = open.repeat(n) + (chance(70) ? "1" + close.repeat(n) : "");
                text = chance(50) ? nested : "{\"channel\":\"fz\",\"message\":" + nested + "}";
            } else if (roll < 80) {
                tags.add("truncated-json");
                String whole = jsonObject(0);
                text = whole.substring(0, r.nextInt(whole.length()));
            } else if (roll < 88) {
                tags.add("mutated-json");
                StringBuilder sb = new StringBuilder(jsonObject(0));
                int edits = r.nextInt(1, 4);
                for (int i = 0; i < edits && sb.length() > 0; i++) {
                    String alphabet = "{}[]\":,\\ \u0000tn1-e.";
                    sb.setCharAt(r.nextInt(sb.length()), alphabet.charAt(r.nextInt(alphabet.length())));
                }
                text = sb.toString();
            } else {
                tags.add("special-json");
                text = pick(new String[] {"", " ", "null", "{}", "[]", "\uFEFF{\"channel\":\"fz\",\"message\":\"bom\"}",
                    "{} {}", "{\"message\":\"a\",\"message\":\"b\",\"channel\":\"fz\"}", "{'channel':'fz','message':'x'}",
                    "{\"channel\":\"fz\",\"message\":NaN}", "/*c*/{}", "{\"channel\":\"fz\",\"message\":\"\\uD800\"}",
                    "{\"channel\":\"fz\",\"message\":\"\\x\"}", "{\"channel\":\"fz\",\"message\":\"\\u12\"}",
                    "{\"channel\":\"fz\",\"message\":1e999999999}", "{\"channel\":\"fz\",\"message\":" + "9".repeat(5000) + "}",
                    "{\"channel\":\"fz\",\"message\":0." + "0".repeat(3000) + "1e-99999}",
                    "{\"channel\":\"fz\",\"message\":\"tab\there\"}", "{\"channel\":\"fz\",\"message\":\"a\"",
                    "{\"channel\":\"fz\",\"message\":\"x\",\"event\":\"\\n\"}", "{\"channels\":\"fz\",\"message\":\"x\"}",
                    "{\"channels\":[],\"message\":\"x\"}", "{\"channels\":[null],\"message\":\"x\"}",
                    "{\"channel\":\"fz\",\"message\":\"x\",\"event\":null,\"key\":null}", "\"just a string\"", "12",
                    "{\"channel\":\"fz\",\"message\":{\"a\":" + "[".repeat(999) + "]".repeat(999) + "}}"});
            }
            byte[] bytes = text.getBytes(chance(5) ? StandardCharsets.UTF_16 : StandardCharsets.UTF_8);
            if (chance(5) && bytes.length > 0) {
                tags.add("json-bad-bytes");
                bytes[r.nextInt(Math.max(1, bytes.length))] = (byte) (0x80 + r.nextInt(0x80));
            }
            return bytes;
        }

        private byte[] publishBody(String contentType) {
            boolean json = contentType != null && contentType.toLowerCase(Locale.ROOT).contains("json");
            if (chance(10)) {
                json = !json; // a body that does not match its Content-Type
                tags.add("body-mismatch");
            }
            if (bytesOf(contentType).length == 0 && chance(50)) {
                json = false;
            }
            return json ? jsonBody() : formBody();
        }

        private static byte[] bytesOf(String s) {
            return s == null ? new byte[0] : s.getBytes(StandardCharsets.ISO_8859_1);
        }

        private String contentType() {
            int roll = r.nextInt(100);
            if (roll < 40) {
                return FORM;
            } else if (roll < 70) {
                return JSON;
            } else if (roll < 75) {
                return null;
            }
            tags.add("content-type");
            return pick(CONTENT_TYPES);
        }

        // --- raw requests

        private static boolean tokenChar(int c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
        }

        /** RFC 9112 origin-form / absolute-form characters, with %-escapes complete. */
        static boolean validTarget(byte[] t) {
            if (t.length == 0) {
                return false;
            }
            for (int i = 0; i < t.length; i++) {
                int c = t[i] & 0xff;
                if (c == '%') {
                    if (i + 2 >= t.length || Character.digit(t[i + 1], 16) < 0 || Character.digit(t[i + 2], 16) < 0) {
                        return false;
                    }
                    i += 2;
                } else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                        || "-._~!$&'()*+,;=:@/?".indexOf(c) >= 0)) {
                    return false;
                }
            }
            return true;
        }

        /** A field value of VCHAR, SP and HTAB only (no obs-text), without leading or trailing white space. */
        static boolean validFieldValue(String v) {
            for (int i = 0; i < v.length(); i++) {
                char c = v.charAt(i);
                if (!(c == ' ' || c == '\t' || (c > 0x20 && c < 0x7f))) {
                    return false;
                }
            }
            return true;
        }

        private final List<String[]> headers = new ArrayList<>();

        private void header(String name, String value) {
            headers.add(new String[] {name, value});
            if (!validFieldValue(value)) {
                httpValid = false;
                tags.add("odd-header-bytes");
            }
        }

        private byte[] assemble(String method, byte[] target, String version, byte[] body) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(method.getBytes(StandardCharsets.ISO_8859_1));
            out.write(' ');
            out.writeBytes(target);
            out.write(' ');
            out.writeBytes(version.getBytes(StandardCharsets.ISO_8859_1));
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            for (String[] h : headers) {
                out.writeBytes((h[0] + ": " + h[1] + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            }
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            if (body != null) {
                out.writeBytes(body);
            }
            return out.toByteArray();
        }

        private static byte[] chunked(byte[] body, Random r) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int at = 0;
            while (at < body.length) {
                int n = Math.min(body.length - at, 1 + r.nextInt(Math.max(1, body.length / 2 + 1)));
                out.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body, at, n);
                out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
                at += n;
            }
            out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            return out.toByteArray();
        }

        private Case rawPublish() {
            String method = chance(95) ? "POST" : pick(new String[] {"PUT", "GET", "PATCH", "DELETE"});
            byte[] target = chance(92) ? "/publish".getBytes(StandardCharsets.US_ASCII)
                    : pick(new String[] {"/publish?channel=fz", "/publish?%ZZ", "/publish?message=%FF",
                        "/publish#frag", "/pub%6cish", "/publish?"}).getBytes(StandardCharsets.US_ASCII);
            if (!validTarget(target)) {
                httpValid = false;
                tags.add("bad-target");
            }
            header("Host", "127.0.0.1:" + port);
            String ct = contentType();
            if (ct != null) {
                header("Content-Type", ct);
                if (chance(3)) {
                    header("Content-Type", chance(50) ? JSON : FORM);
                    tags.add("two-content-types");
                }
            }
            if (chance(20)) {
                header("Authorization", chance(60) ? "Bearer " + token() : pick(new String[] {"Bearer ", "Bearer x", "bearer",
                    "Basic Zm9vOmJhcg==", "Bearer \u00ff", "Bearer " + "k".repeat(5000), "Bearer " + KEY, "bearer " + KEY,
                    "Bearer  " + KEY + " ", "Bearer\t" + KEY}));
            }
            byte[] body = publishBody(ct);
            Delivery delivery = Delivery.NORMAL;
            int framing = r.nextInt(100);
            byte[] payload = body;
            if (framing < 70) {
                header("Content-Length", String.valueOf(body.length));
            } else if (framing < 80) {
                header("Transfer-Encoding", "chunked");
                payload = chunked(body, r);
                tags.add("chunked");
            } else if (framing < 90) {
                tags.add("truncated-body");
                header("Content-Length", String.valueOf(body.length + r.nextInt(1, 5000)));
                int roll = r.nextInt(100);
                delivery = roll < 60 ? Delivery.HALF_CLOSE : roll < 97 ? Delivery.CUT_AND_CLOSE : Delivery.SHORT_WAIT;
            } else if (framing < 95) {
                tags.add("bad-chunks");
                httpValid = false;
                header("Transfer-Encoding", "chunked");
                payload = pick(new byte[][] {
                    ("ZZ\r\n" + new String(body, StandardCharsets.ISO_8859_1)).getBytes(StandardCharsets.ISO_8859_1),
                    ("5\r\nabcdefghij\r\n0\r\n\r\n").getBytes(StandardCharsets.US_ASCII),
                    ("-1\r\nx\r\n0\r\n\r\n").getBytes(StandardCharsets.US_ASCII),
                    ("FFFFFFFFFFFFFFFF\r\nx\r\n").getBytes(StandardCharsets.US_ASCII),
                    ("7FFFFFFF\r\nx\r\n").getBytes(StandardCharsets.US_ASCII),
                    ("3\r\nabc").getBytes(StandardCharsets.US_ASCII),
                    ("3;ext=\"\r\nabc\r\n0\r\n\r\n").getBytes(StandardCharsets.US_ASCII),
                    Arrays2.cut(chunked(body, r), r),
                });
                delivery = Delivery.HALF_CLOSE;
            } else {
                tags.add("bad-content-length");
                httpValid = false;
                String[] cls = {"-5", "abc", "1,1", " 5", "5 5", "0x10", "99999999999999999999", "+5", "5.0", ""};
                String cl = pick(cls);
                header("Content-Length", cl);
                if (chance(30)) {
                    header("Content-Length", String.valueOf(body.length + 1));
                }
                if (chance(20)) {
                    header("Transfer-Encoding", pick(new String[] {"chunked", "gzip", "chunked, chunked", "identity"}));
                }
                delivery = Delivery.HALF_CLOSE;
            }
            boolean reusable = httpValid && delivery == Delivery.NORMAL && payload.length <= 8192;
            if (!reusable && delivery == Delivery.NORMAL) {
                delivery = Delivery.HALF_CLOSE;
            }
            tags.add("raw");
            return new Case(index, Target.PUBLISH, method, httpValid, delivery, reusable, List.copyOf(tags),
                    assemble(method, target, "HTTP/1.1", payload), null, null);
        }

        private byte[] query() {
            ByteArrayOutputStream q = new ByteArrayOutputStream();
            List<String[]> params = new ArrayList<>();
            int channels = r.nextInt(0, 4);
            for (int i = 0; i < channels; i++) {
                params.add(new String[] {chance(70) ? "channels" : "channel", value()});
            }
            if (chance(20)) {
                params.add(new String[] {"lastEventId", chance(70) ? pick(EVENT_IDS) : value()});
            }
            if (chance(20)) {
                params.add(new String[] {"transport", pick(new String[] {"poll", "POLL", "stream", "", "poll,poll"})});
            }
            if (chance(12)) {
                params.add(new String[] {"token", token()});
            }
            if (chance(10)) {
                params.add(new String[] {pick(new String[] {"", "=", "x", "channels[]", "chan%6eels", "CHANNELS"}), value()});
            }
            Collections.shuffle(params, r);
            for (int i = 0; i < params.size(); i++) {
                if (i > 0) {
                    q.writeBytes((chance(95) ? "&" : "&&").getBytes(StandardCharsets.US_ASCII));
                }
                String[] p = params.get(i);
                q.writeBytes(p[0].contains("%") ? p[0].getBytes(StandardCharsets.US_ASCII) : encode(p[0]));
                if (chance(97)) {
                    q.write('=');
                    q.writeBytes(encode(p[1]));
                }
            }
            return q.toByteArray();
        }

        private void subscribeHeaders(boolean raw) {
            if (chance(60)) {
                String accept = chance(50) ? "text/event-stream" : pick(ACCEPTS);
                header("Accept", accept);
                if (!accept.equals("text/event-stream")) {
                    tags.add("odd-accept");
                }
            }
            if (chance(12)) {
                header("X-Requested-With", chance(80) ? "XMLHttpRequest" : "xmlhttprequest");
            }
            if (chance(25)) {
                header("Last-Event-ID", pick(EVENT_IDS));
                if (raw && chance(10)) {
                    header("Last-Event-ID", pick(EVENT_IDS));
                    tags.add("two-last-event-ids");
                }
            }
            if (chance(8)) {
                header("Origin", pick(new String[] {"http://example.com", "null", "*", "http://\u00ff"}));
            }
            if (chance(20)) {
                header("Authorization", chance(80) ? "Bearer " + token() : pick(new String[] {"Bearer", "Basic x", "Bearer  "}));
            }
            if (chance(12)) {
                tags.add("cookie");
                header("Cookie", pick(new String[] {"sse_token=" + token(), "sse_token=", "sse_token", "=;;=", ";", "a=b; c",
                    "sse_token=\"" + token() + "\"", "sse_token=a; sse_token=b", "$Version=1; sse_token=x; $Path=/",
                    "sse_token=" + "t".repeat(20_000), "\"", "a=\"b", "sse_token=%ZZ", "x=y;sse_token=" + token()}));
            }
            if (raw && chance(8)) {
                header("Last-Event-ID", new String(new byte[] {(byte) 0xff, (byte) 0xfe, 0x31}, StandardCharsets.ISO_8859_1));
            }
        }

        private Case rawSubscribe() {
            String method = chance(90) ? "GET" : pick(new String[] {"HEAD", "POST", "DELETE", "OPTIONS", "PUT"});
            ByteArrayOutputStream t = new ByteArrayOutputStream();
            t.writeBytes("/?".getBytes(StandardCharsets.US_ASCII));
            t.writeBytes(query());
            if (chance(3)) {
                t.writeBytes("#frag".getBytes(StandardCharsets.US_ASCII));
            }
            byte[] target = t.toByteArray();
            if (!validTarget(target)) {
                httpValid = false;
                tags.add("bad-target");
            }
            header("Host", "127.0.0.1:" + port);
            subscribeHeaders(true);
            byte[] body = null;
            if (!method.equals("GET") && !method.equals("HEAD") && chance(50)) {
                body = formBody();
                header("Content-Length", String.valueOf(body.length));
            }
            boolean reusable = httpValid && (body == null || body.length <= 8192);
            tags.add("raw");
            return new Case(index, Target.SUBSCRIBE, method, httpValid, reusable ? Delivery.NORMAL : Delivery.HALF_CLOSE,
                    reusable, List.copyOf(tags), assemble(method, target, "HTTP/1.1", body), null, null);
        }

        /** HTTP-level garbage: broken request lines, headers and framing, aimed at our two endpoints. */
        private Case rawGarbage() {
            httpValid = false;
            tags.add("garbage");
            String path = chance(50) ? "/publish" : "/?channels=fz";
            String method = path.equals("/publish") ? "POST" : "GET";
            Target target = path.equals("/publish") ? Target.PUBLISH : Target.SUBSCRIBE;
            String base = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
            String body = "channel=fz&message=garbage";
            String framed = "Content-Type: " + FORM + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
            String ending = method.equals("POST") ? framed : "\r\n";
            int kind = r.nextInt(26);
            String text = switch (kind) {
                case 0 -> {
                    byte[] b = new byte[logUniform(1, 400)];
                    r.nextBytes(b);
                    yield new String(b, StandardCharsets.ISO_8859_1) + "\r\n\r\n";
                }
                case 1 -> method + path + "HTTP/1.1\r\nHost: x\r\n" + ending;
                case 2 -> method + "  " + path + "  HTTP/1.1\r\nHost: x\r\n" + ending;
                case 3 -> {
                    tags.add("version");
                    yield method + " " + path + " " + pick(new String[] {"HTTP/1.0", "HTTP/2.0", "HTTP/1.1.1", "http/1.1",
                        "HTTP/1", "HTTP/9.9", "HTTP/0.9", "HTTP/1.10", "HTTPS/1.1", "HTTP/ 1.1"}) + "\r\nHost: x\r\n" + ending;
                }
                case 4 -> method + "\t" + path + "\tHTTP/1.1\r\nHost: x\r\n" + ending;
                case 5 -> method + "\r\nHost: x\r\n\r\n";
                case 6 -> pick(new String[] {"GE T", "G\u0000T", "\u00c4GET", "GET\u00ff", "G(T", "M".repeat(10_000), "P@ST"})
                        + " " + path + " HTTP/1.1\r\nHost: x\r\n" + ending;
                case 7 -> base + "NoColonHere\r\n" + ending;
                case 8 -> base + "X-Space : before-colon\r\n" + ending;
                case 9 -> base + ": empty-name\r\n" + ending;
                case 10 -> base + "X-Fold: a\r\n  folded\r\n" + ending;
                case 11 -> base + "X-Nul: a\u0000b\r\n" + ending;
                case 12 -> base + "X-Cr: a\rb\r\n" + ending;
                case 13 -> (base + ending).replace("\r\n", "\n");
                case 14 -> {
                    StringBuilder sb = new StringBuilder(base);
                    for (int i = 0; i < logUniform(100, 3000); i++) {
                        sb.append("X-H").append(i).append(": v\r\n");
                    }
                    yield sb + ending;
                }
                case 15 -> base + "X-Big: " + "v".repeat(logUniform(8000, 200_000)) + "\r\n" + ending;
                case 16 -> base + pick(new String[] {"X(Bad): v", "X Bad: v", "X\u00ffBad: v", "X\u0001: v"}) + "\r\n" + ending;
                case 17 -> method + " " + path + " HTTP/1.1\r\nHost: a\r\nHost: b\r\n" + ending;
                case 18 -> method + " " + path + " HTTP/1.1\r\n" + ending;
                case 19 -> method + " " + path + " HTTP/1.1\r\nHost:\r\n" + ending;
                case 20 -> "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
                case 21 -> "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003" + "\u0000".repeat(40);
                case 22 -> {
                    String whole = base + ending;
                    yield whole.substring(0, r.nextInt(1, whole.length()));
                }
                case 23 -> "\r\n\r\n\r\n" + base + ending;
                case 24 -> method + " " + pick(new String[] {"*", "fz", "http://", "http://[::1", "/\u0000", "/ /",
                    "/?channels=fz\u0000", "/?channels=fz fz", "/?channels=fz\u00ff", "/%", "/?%", "/?channels=%ZZ",
                    "/?channels=a%F", "/?channels=%%", "//?channels=fz", "/../?channels=fz"}) + " HTTP/1.1\r\nHost: x\r\n" + ending;
                default -> base + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + (method.equals("POST") ? "5\r\nhello\r\n0\r\n\r\n" : "");
            };
            Delivery delivery = kind == 22 ? (chance(50) ? Delivery.HALF_CLOSE : Delivery.CUT_AND_CLOSE) : Delivery.HALF_CLOSE;
            tags.add("garbage-" + kind);
            return new Case(index, target, method, false, delivery, false, List.copyOf(tags),
                    text.getBytes(StandardCharsets.ISO_8859_1), null, null);
        }

        // --- java.net.http requests

        private HttpRequest.Builder clientRequest(String pathAndQuery) {
            URI uri;
            try {
                uri = URI.create("http://127.0.0.1:" + port + pathAndQuery);
            } catch (IllegalArgumentException e) {
                uri = URI.create("http://127.0.0.1:" + port + "/");
                tags.add("uri-fallback");
            }
            return HttpRequest.newBuilder(uri).timeout(Duration.ofMillis(READ_TIMEOUT_MS));
        }

        private void clientHeaders(HttpRequest.Builder b) {
            for (String[] h : headers) {
                try {
                    b.header(h[0], h[1]);
                } catch (IllegalArgumentException e) {
                    tags.add("header-refused-by-client");
                }
            }
        }

        private Case clientPublish() {
            String method = chance(92) ? "POST" : pick(new String[] {"PUT", "PATCH", "DELETE"});
            String ct = contentType();
            if (ct != null && !ct.isEmpty()) {
                header("Content-Type", ct);
            }
            if (chance(20)) {
                header("Authorization", chance(60) ? "Bearer " + token() : pick(new String[] {"Bearer ", "Bearer x", "bearer",
                    "Basic Zm9vOmJhcg==", "Bearer " + KEY}));
            }
            byte[] body = publishBody(ct);
            HttpRequest.Builder b = clientRequest(chance(95) ? "/publish" : "/publish?channel=fz&message=q");
            b.method(method, HttpRequest.BodyPublishers.ofByteArray(body));
            clientHeaders(b);
            tags.add("client");
            return new Case(index, Target.PUBLISH, method, true, Delivery.NORMAL, true, List.copyOf(tags), null,
                    b.build(), body);
        }

        private Case clientSubscribe() {
            String method = chance(92) ? "GET" : pick(new String[] {"POST", "DELETE", "OPTIONS", "PUT"});
            byte[] q = query();
            String query = new String(q, StandardCharsets.ISO_8859_1);
            if (!validTarget(("/?" + query).getBytes(StandardCharsets.ISO_8859_1))) {
                // java.net.http sends only valid URIs: the broken escapes and raw bytes go over raw sockets
                query = new String(percentEncode(q, false), StandardCharsets.US_ASCII);
                tags.add("re-encoded");
            }
            subscribeHeaders(false);
            HttpRequest.Builder b = clientRequest("/?" + query);
            b.method(method, HttpRequest.BodyPublishers.noBody());
            clientHeaders(b);
            tags.add("client");
            return new Case(index, Target.SUBSCRIBE, method, true, Delivery.NORMAL, true, List.copyOf(tags), null,
                    b.build(), null);
        }

        private Case otherPath() {
            boolean traversal = chance(40);
            String path = traversal ? pick(TRAVERSALS) : pick(OTHER_PATHS);
            if (traversal) {
                tags.add("traversal");
            }
            String method = chance(80) ? "GET" : pick(new String[] {"POST", "HEAD", "OPTIONS", "DELETE"});
            if (chance(50)) {
                byte[] target = path.getBytes(StandardCharsets.ISO_8859_1);
                httpValid = validTarget(target);
                header("Host", "127.0.0.1:" + port);
                tags.add("raw");
                return new Case(index, Target.OTHER, method, httpValid, Delivery.HALF_CLOSE, false, List.copyOf(tags),
                        assemble(method, target, "HTTP/1.1", null), null, null);
            }
            HttpRequest.Builder b = clientRequest(path);
            b.method(method, HttpRequest.BodyPublishers.noBody());
            tags.add("client");
            return new Case(index, Target.OTHER, method, true, Delivery.NORMAL, true, List.copyOf(tags), null,
                    b.build(), null);
        }
    }

    /** Byte helpers the generator needs. */
    static final class Arrays2 {
        private Arrays2() {
        }

        static byte[] cut(byte[] b, Random r) {
            return java.util.Arrays.copyOf(b, b.length <= 1 ? b.length : r.nextInt(1, b.length));
        }
    }

    static String escape(byte[] bytes, int max) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < bytes.length && sb.length() < max; i++) {
            int c = bytes[i] & 0xff;
            switch (c) {
                case '\r' -> sb.append("\\r");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20 || c >= 0x7f) {
                        sb.append(String.format("\\x%02x", c));
                    } else {
                        sb.append((char) c);
                    }
                }
            }
        }
        if (sb.length() >= max) {
            sb.append("...");
        }
        return sb.toString();
    }

}
