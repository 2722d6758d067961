package io.ssebroadcaster.http;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.ssebroadcaster.Http;
import io.ssebroadcaster.delivery.Refusals;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Helidon's own refusals: a broken request is a 4xx, never a 5xx; but a request that Helidon
 * fails while the server stops (its connection interrupted as the request arrived) is refused
 * like every other request then, 503 with {@code Retry-After}, not blamed on the client.
 */
class ProtocolErrorHandlerTest {

    private final AtomicBoolean stopping = new AtomicBoolean();
    private final ErrorMapper.ProtocolErrorHandler handler =
            new ErrorMapper.ProtocolErrorHandler(stopping::get, new Refusals(3000, 3000));

    private DirectHandler.TransportResponse answer(DirectHandler.EventType type, Status status, String message) {
        return handler.handle(DirectHandler.TransportRequest.empty(), type, status, ServerResponseHeaders.create(),
                new IllegalStateException(message));
    }

    private static String error(DirectHandler.TransportResponse r) {
        JsonObject body = Http.json(new String(r.entity().orElseThrow(), StandardCharsets.UTF_8));
        assertEquals("error", body.getString("status"));
        return body.getString("error");
    }

    @Test
    void internalErrorWhileRunningIsTheRequestsFault() {
        DirectHandler.TransportResponse r = answer(DirectHandler.EventType.INTERNAL_ERROR,
                Status.INTERNAL_SERVER_ERROR_500, "Internal error");
        assertEquals(400, r.status().code());
        assertEquals("malformed HTTP request", error(r));
    }

    @Test
    void internalErrorWhileStoppingIsAShutdownRefusal() {
        stopping.set(true);
        DirectHandler.TransportResponse r = answer(DirectHandler.EventType.INTERNAL_ERROR,
                Status.INTERNAL_SERVER_ERROR_500, "Internal error");
        assertEquals(503, r.status().code());
        assertEquals("3", r.headers().get(HeaderNames.RETRY_AFTER).get());
        assertEquals("application/json", r.headers().get(HeaderNames.CONTENT_TYPE).get());
        assertTrue(error(r).contains("shutting down"), error(r));
    }

    @Test
    void brokenRequestWhileStoppingIsStillA4xx() {
        stopping.set(true);
        DirectHandler.TransportResponse r = answer(DirectHandler.EventType.BAD_REQUEST, Status.BAD_REQUEST_400,
                "Header size exceeded");
        assertEquals(431, r.status().code());
        assertEquals("request headers too large", error(r));
    }
}
