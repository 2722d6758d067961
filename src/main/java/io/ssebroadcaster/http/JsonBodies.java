package io.ssebroadcaster.http;

import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonReader;
import jakarta.json.spi.JsonProvider;

import java.io.Reader;
import java.util.function.Consumer;

/**
 * The JSON provider, looked up once. {@code jakarta.json.Json}'s static methods look the provider up
 * with a ServiceLoader on every call, which the benchmark found to be 38% of the server's CPU under
 * publish load.
 */
final class JsonBodies {

    private static final JsonProvider PROVIDER = JsonProvider.provider();

    private JsonBodies() {
    }

    static JsonObjectBuilder object() {
        return PROVIDER.createObjectBuilder();
    }

    static JsonArrayBuilder array() {
        return PROVIDER.createArrayBuilder();
    }

    static JsonReader reader(Reader in) {
        return PROVIDER.createReader(in);
    }

    /** {@code {"status":"error","error":message}} */
    static String error(String message) {
        return object().add("status", "error").add("error", message).build().toString();
    }

    /** {@code {"status":"error","error":message, ...}} with the fields {@code extra} adds. */
    static String error(String message, Consumer<JsonObjectBuilder> extra) {
        JsonObjectBuilder b = object().add("status", "error").add("error", message);
        extra.accept(b);
        return b.build().toString();
    }
}
