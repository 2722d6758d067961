package io.ssebroadcaster.http;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;

import java.util.List;

/**
 * A publish's idempotency key: the {@code Idempotency-Key} header or the {@code idempotency_key}
 * field. Up to {@value #MAX_LENGTH} characters from {@code A-Z a-z 0-9 - _ . : / + =} (a UUID, a
 * ULID, a hash or base64 fits), so that a key is safe in a Redis key name and in logs.
 */
final class IdempotencyKey {

    static final HeaderName HEADER = HeaderNames.create("Idempotency-Key");
    static final String FIELD = "idempotency_key";
    static final int MAX_LENGTH = 128;

    private IdempotencyKey() {
    }

    /**
     * The key the request names, or null.
     *
     * @param field the body's {@value #FIELD}, or null
     * @throws ApiException 400 when the key is malformed, given twice, or the header and field differ
     */
    static String of(ServerRequest req, String field) {
        String header = null;
        if (req.headers().contains(HEADER)) {
            List<String> values = req.headers().get(HEADER).allValues();
            if (values.size() != 1) {
                throw ApiException.badRequest("'Idempotency-Key' given " + values.size() + " times");
            }
            header = values.get(0).trim();
        }
        if (header != null && field != null && !header.equals(field)) {
            throw ApiException.badRequest("the 'Idempotency-Key' header and the '" + FIELD + "' field differ");
        }
        String key = header != null ? header : field;
        if (key != null) {
            check(key);
        }
        return key;
    }

    /**
     * A batch names its keys per item: one header cannot name several messages, and keying the
     * batch as a whole would answer a retry of a half-published batch wrongly.
     *
     * @throws ApiException 400 when the request carries the header
     */
    static void refuseHeaderForBatch(ServerRequest req) {
        if (req.headers().contains(HEADER)) {
            throw ApiException.badRequest("the 'Idempotency-Key' header applies to single publishes:"
                    + " give each item of a batch its own '" + FIELD + "' field");
        }
    }

    static void check(String key) {
        if (key.isEmpty() || key.length() > MAX_LENGTH) {
            throw ApiException.badRequest("idempotency key must be 1.." + MAX_LENGTH + " characters");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            boolean ok = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || "-_.:/+=".indexOf(c) >= 0;
            if (!ok) {
                throw ApiException.badRequest("idempotency key may hold only A-Z a-z 0-9 - _ . : / + =");
            }
        }
    }
}
