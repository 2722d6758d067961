package io.ssebroadcaster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A test EventSource: opens a stream over real HTTP, parses the event-stream format on a
 * background thread, and lets tests wait for conditions on what arrived.
 */
public final class SseClient implements AutoCloseable {

    /** One parsed event, or a comment (then only {@code comment} is set). */
    public record Received(String id, String event, String data, String comment) {
        public boolean isComment() {
            return comment != null;
        }
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final HttpResponse<InputStream> response;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Thread reader;
    private volatile boolean ended;
    private volatile String retry;
    private volatile String lastEventId;

    private SseClient(HttpResponse<InputStream> response) {
        this.response = response;
        this.reader = Thread.ofVirtual().start(this::read);
    }

    public static SseClient open(int port, String query, String... headers) {
        return openUrl(URI.create("http://127.0.0.1:" + port + "/?" + query), headers);
    }

    public static SseClient openUrl(URI url, String... headers) {
        HttpRequest.Builder req = HttpRequest.newBuilder(url).header("Accept", "text/event-stream");
        if (headers.length > 0) {
            req.headers(headers);
        }
        try {
            return new SseClient(HTTP.send(req.build(), HttpResponse.BodyHandlers.ofInputStream()));
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    public HttpResponse<InputStream> response() {
        return response;
    }

    public int status() {
        return response.statusCode();
    }

    public String retry() {
        return retry;
    }

    /** The last id seen, as a browser's EventSource would send it on reconnect. */
    public String lastEventId() {
        return lastEventId;
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String id = null;
            String event = null;
            List<String> data = new ArrayList<>();
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isEmpty()) {
                    if (id != null) {
                        lastEventId = id; // as EventSource does: an id without data still counts
                    }
                    if (!data.isEmpty()) {
                        received.add(new Received(id, event, String.join("\n", data), null));
                    }
                    id = null;
                    event = null;
                    data.clear();
                } else if (line.startsWith(":")) {
                    received.add(new Received(null, null, null, line.substring(1).trim()));
                } else {
                    SseLine field = SseLine.parse(line);
                    switch (field.field()) {
                        case "id" -> id = field.value();
                        case "event" -> event = field.value();
                        case "data" -> data.add(field.value());
                        case "retry" -> retry = field.value();
                        default -> { }
                    }
                }
            }
        } catch (IOException e) {
            // closed by the test or the server
        } finally {
            ended = true;
        }
    }

    /** Events only, comments left out. */
    public List<Received> events() {
        return received.stream().filter(r -> !r.isComment()).toList();
    }

    public List<String> data() {
        return events().stream().map(Received::data).toList();
    }

    public List<Received> all() {
        return List.copyOf(received);
    }

    public boolean ended() {
        return ended;
    }

    /** Waits up to 30 s for {@code condition} on the events received so far. */
    public List<Received> await(Predicate<List<Received>> condition) {
        return await(condition, 30, TimeUnit.SECONDS);
    }

    public List<Received> await(Predicate<List<Received>> condition, long timeout, TimeUnit unit) {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (true) {
            List<Received> now = events();
            if (condition.test(now)) {
                return now;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting; received so far: " + all());
            }
            Await.pause();
        }
    }

    /** Waits until {@code n} comments arrived (the first is the preamble, sent as soon as the stream opens). */
    public void awaitComments(int n) {
        Await.until(() -> received.stream().filter(Received::isComment).count() >= n, "comments");
    }

    public List<Received> awaitCount(int n) {
        return await(events -> events.size() >= n);
    }

    public void awaitEnd(long timeout, TimeUnit unit) {
        Await.until(() -> ended, timeout, unit, "stream end");
    }

    @Override
    public void close() {
        try {
            response.body().close();
        } catch (IOException e) {
            // already closed
        }
        reader.interrupt();
    }
}
