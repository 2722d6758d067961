package io.ssebroadcaster.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.HttpMediaType;
import io.helidon.webserver.http.ServerRequest;
import io.ssebroadcaster.broker.Publication;
import io.ssebroadcaster.hub.ChannelName;
import io.ssebroadcaster.hub.EventType;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * A parsed {@code POST /publish}: cyclone_sse's form ({@code message}, {@code channel} repeated,
 * {@code key}) or a JSON object ({@code channel} or {@code channels}, {@code message} of any JSON
 * type, {@code event}, {@code key}); either may name an idempotency key ({@code idempotency_key}, or the
 * {@code Idempotency-Key} header). A batch ({@link BatchRequest}) is a list of such JSON objects.
 *
 * @param publication what to send
 * @param key         the publisher key from the body, or null
 */
record PublishRequest(Publication publication, String key) {

    /** Room for a form-encoded or JSON-escaped message of the maximum size, plus the other fields. */
    static int bodyLimit(int maxMessageBytes) {
        return (int) Math.min(Integer.MAX_VALUE - 16, 6L * maxMessageBytes + 64 * 1024);
    }

    static final String FORM = "application/x-www-form-urlencoded";
    static final String JSON = "application/json";
    static final String NDJSON = "application/x-ndjson";

    /** The body's media type ({@code type/subtype}, lower case); a form when none is given. */
    static String mediaType(ServerRequest req) {
        try {
            return req.headers().contentType()
                    .map(HttpMediaType::mediaType)
                    .map(m -> m.type() + "/" + m.subtype())
                    .orElse(FORM)
                    .toLowerCase(java.util.Locale.ROOT);
        } catch (RuntimeException e) { // Helidon's parser throws several kinds on garbage
            throw ApiException.unsupportedMediaType("unreadable Content-Type");
        }
    }

    /** A single publish from a form body; its idempotency key may also come from the header. */
    static PublishRequest fromForm(ServerRequest req, byte[] body, int maxMessageBytes, int maxChannels) {
        Fields fields = fromForm(body);
        return fields.validate(maxMessageBytes, maxChannels, IdempotencyKey.of(req, fields.idempotencyKey()));
    }

    /** A single publish from a JSON object body; its idempotency key may also come from the header. */
    static PublishRequest fromJson(ServerRequest req, JsonObject body, int maxMessageBytes, int maxChannels) {
        Fields fields = fromJson(body);
        return fields.validate(maxMessageBytes, maxChannels, IdempotencyKey.of(req, fields.idempotencyKey()));
    }

    /**
     * One item of a batch: the same object and rules as a single JSON publish, but its idempotency
     * key is its own field only (the header, one per request, cannot name several messages).
     */
    static PublishRequest item(JsonValue value, int maxMessageBytes, int maxChannels) {
        if (value.getValueType() != JsonValue.ValueType.OBJECT) {
            throw ApiException.badRequest("must be an object (a publish, as for a single JSON publish)");
        }
        Fields fields = fromJson(value.asJsonObject());
        String key = fields.idempotencyKey();
        if (key != null) {
            IdempotencyKey.check(key);
        }
        return fields.validate(maxMessageBytes, maxChannels, key);
    }

    private record Fields(List<String> channels, String message, String event, String key, String idempotencyKey) {

        /** Every string the client sent, for checks that apply to all of them. */
        List<String> texts() {
            List<String> all = new ArrayList<>(channels);
            for (String s : new String[] {message, event, key}) {
                if (s != null) {
                    all.add(s);
                }
            }
            return all;
        }

        PublishRequest validate(int maxMessageBytes, int maxChannels, String idempotencyKey) {
            if (message == null) {
                throw ApiException.badRequest("missing 'message'");
            }
            if (message.isEmpty()) {
                // An event with empty data is not reliably seen by clients: refused rather than maybe lost
                throw ApiException.badRequest("empty 'message': an event without data may never be seen by clients");
            }
            if (channels.isEmpty()) {
                throw ApiException.badRequest("missing 'channel'");
            }
            if (channels.size() > maxChannels) {
                throw ApiException.badRequest("more than " + maxChannels + " channels in one publish");
            }
            for (String channel : channels) {
                String problem = ChannelName.problemForPublish(channel);
                if (problem != null) {
                    throw ApiException.badRequest(problem);
                }
            }
            if (event != null) {
                checkEventType(event);
            }
            int size = message.getBytes(StandardCharsets.UTF_8).length;
            if (size > maxMessageBytes) {
                throw ApiException.payloadTooLarge("message is " + size + " bytes; the limit is " + maxMessageBytes);
            }
            return new PublishRequest(new Publication(channels, event, message, idempotencyKey), key);
        }
    }

    /** See {@link EventType}. */
    private static void checkEventType(String event) {
        String problem = EventType.problem(event);
        if (problem != null) {
            throw ApiException.badRequest(problem);
        }
    }

    private static Fields fromForm(byte[] body) {
        Map<String, List<String>> form = FormBody.parse(body);
        List<String> channels = new ArrayList<>();
        addSplit(channels, form.get("channel"));
        addSplit(channels, form.get("channels"));
        return new Fields(distinct(channels), single(form, "message"), single(form, "event"), single(form, "key"),
                single(form, IdempotencyKey.FIELD));
    }

    private static void addSplit(List<String> into, List<String> values) {
        if (values != null) {
            for (String v : values) {
                for (String part : v.split(",", -1)) {
                    into.add(part.trim());
                }
            }
        }
    }

    private static String single(Map<String, List<String>> form, String name) {
        List<String> values = form.get(name);
        if (values == null) {
            return null;
        }
        if (values.size() > 1) {
            throw ApiException.badRequest("'" + name + "' given " + values.size() + " times");
        }
        return values.get(0);
    }

    /**
     * Strict UTF-8 (JSON-P would replace bad bytes without a word), a byte order mark skipped.
     *
     * @param what names the body in the error ("JSON body", "NDJSON body")
     */
    static String jsonText(byte[] body, String what) {
        try {
            String text = StrictUtf8.decode(body);
            return text.startsWith("\uFEFF") ? text.substring(1) : text; // a BOM, which JSON-P skipped when it decoded
        } catch (CharacterCodingException e) {
            throw ApiException.badRequest("malformed " + what + ": not valid UTF-8");
        }
    }

    /** One JSON value. */
    static JsonValue readJson(String text, String what) {
        try (JsonReader reader = JsonBodies.reader(new StringReader(text))) {
            return reader.readValue();
        } catch (RuntimeException e) { // JsonException, and number or encoding failures beneath it
            throw ApiException.badRequest("malformed " + what + ": " + firstLine(e.getMessage()));
        }
    }

    private static Fields fromJson(JsonObject obj) {
        List<String> channels = new ArrayList<>();
        JsonValue channel = obj.get("channel");
        if (channel != null) {
            channels.add(string(channel, "channel"));
        }
        JsonValue list = obj.get("channels");
        if (list != null) {
            if (list.getValueType() != JsonValue.ValueType.ARRAY) {
                throw ApiException.badRequest("'channels' must be an array of strings");
            }
            for (JsonValue v : (JsonArray) list) {
                channels.add(string(v, "channels"));
            }
        }
        JsonValue message = obj.get("message");
        String messageText = message == null ? null
                : message instanceof JsonString s ? s.getString() : message.toString();
        Fields fields = new Fields(distinct(channels), messageText, optionalString(obj, "event"),
                optionalString(obj, "key"),
                optionalString(obj, IdempotencyKey.FIELD));
        for (String field : fields.texts()) {
            if (StrictUtf8.hasLoneSurrogate(field)) {
                throw ApiException.badRequest("malformed JSON body: a \\u escape is half of a surrogate pair");
            }
        }
        return fields;
    }

    private static String optionalString(JsonObject obj, String name) {
        JsonValue v = obj.get(name);
        return v == null || v == JsonValue.NULL ? null : string(v, name);
    }

    private static String string(JsonValue v, String name) {
        if (!(v instanceof JsonString s)) {
            throw ApiException.badRequest("'" + name + "' must be a string");
        }
        return s.getString();
    }

    private static List<String> distinct(List<String> channels) {
        return List.copyOf(new LinkedHashSet<>(channels));
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 200 ? line.substring(0, 200) : line;
    }

    /** The value of an {@code Authorization: Bearer} header, or null. */
    static String bearer(ServerRequest req) {
        return req.headers().first(HeaderNames.AUTHORIZATION)
                .filter(h -> h.regionMatches(true, 0, "Bearer ", 0, 7))
                .map(h -> h.substring(7).trim())
                .orElse(null);
    }
}
