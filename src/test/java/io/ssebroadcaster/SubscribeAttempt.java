package io.ssebroadcaster;

import jakarta.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A subscribe that may be refused: the status, and either the error body or the open stream
 * (closed with {@link #close}). For tests of limits, where {@link SseClient} would wait for events
 * that a refused request never gets.
 */
public record SubscribeAttempt(int status, String body, InputStream stream) implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public static SubscribeAttempt open(int port, String query) {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/?" + query))
                .header("Accept", "text/event-stream").build();
        try {
            HttpResponse<InputStream> r = HTTP.send(req, HttpResponse.BodyHandlers.ofInputStream());
            if (r.statusCode() == 200) {
                byte[] preamble = r.body().readNBytes(4); // ": ok": the subscription is in place
                return new SubscribeAttempt(200, new String(preamble, StandardCharsets.UTF_8), r.body());
            }
            try (InputStream in = r.body()) {
                return new SubscribeAttempt(r.statusCode(), new String(in.readAllBytes(), StandardCharsets.UTF_8), null);
            }
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Asserts a 400 whose JSON error contains {@code fragment}; closes a stream accepted instead. */
    public void assertRefused(String fragment) {
        close();
        if (status != 400) {
            throw new AssertionError("expected 400, got " + status + " " + body);
        }
        JsonObject json = Http.json(body);
        if (!"error".equals(json.getString("status")) || !json.getString("error").contains(fragment)) {
            throw new AssertionError("expected an error naming '" + fragment + "', got " + body);
        }
    }

    public boolean accepted() {
        return status == 200;
    }

    @Override
    public void close() {
        if (stream != null) {
            try {
                stream.close();
            } catch (IOException e) {
                // gone already
            }
        }
    }
}
