package io.ssebroadcaster;

import jakarta.json.Json;
import jakarta.json.JsonObject;

import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Plain request helpers for tests. */
public final class Http {

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Http() {
    }

    public static HttpResponse<String> send(HttpRequest request) {
        try {
            return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    public static HttpResponse<String> get(int port, String pathAndQuery, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                .timeout(Duration.ofSeconds(30));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return send(b.build());
    }

    public static HttpResponse<String> post(int port, String contentType, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/publish"))
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        if (headers.length > 0) {
            b.headers(headers);
        }
        return send(b.build());
    }

    public static HttpResponse<String> postForm(int port, String body, String... headers) {
        return post(port, "application/x-www-form-urlencoded", body, headers);
    }

    /** Publishes through the form API and returns the event id; fails the test unless 200. */
    public static String publish(int port, String channel, String message) {
        HttpResponse<String> r = postForm(port, "channel=" + enc(channel) + "&message=" + enc(message));
        if (r.statusCode() != 200) {
            throw new AssertionError("publish failed: " + r.statusCode() + " " + r.body());
        }
        return json(r.body()).getString("id");
    }

    public static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    public static JsonObject json(String body) {
        return Json.createReader(new StringReader(body)).readObject();
    }
}
