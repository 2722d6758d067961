package io.ssebroadcaster.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerResponse;
import io.ssebroadcaster.broker.BrokerUnavailableException;
import io.ssebroadcaster.hub.HubOverloadedException;
import jakarta.json.Json;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one place where failures become HTTP responses: every error is
 * {@code {"status":"error","error":"..."}} with the status its type calls for. Unexpected
 * exceptions are logged and answered 500 without internals.
 */
final class ErrorMapper {

    private static final Logger LOG = Logger.getLogger(ErrorMapper.class.getName());

    private ErrorMapper() {
    }

    static void register(HttpRouting.Builder routing) {
        routing.error(ApiException.class, (req, res, e) -> send(res, e.status(), e.getMessage(), e.retryAfterSeconds()));
        routing.error(BrokerUnavailableException.class, (req, res, e) -> send(res, 503, e.getMessage(), 2));
        routing.error(HubOverloadedException.class, (req, res, e) -> send(res, 503, e.getMessage(), 1));
        routing.error(RuntimeException.class, (req, res, e) -> {
            LOG.log(Level.SEVERE, "unexpected error on " + req.prologue().method() + " " + req.path().path(), e);
            send(res, 500, "internal error", null);
        });
    }

    static void send(ServerResponse res, int status, String message, Integer retryAfterSeconds) {
        if (res.isSent()) {
            return;
        }
        res.status(Status.create(status));
        if (retryAfterSeconds != null) {
            res.header(HeaderNames.RETRY_AFTER, String.valueOf(retryAfterSeconds));
        }
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        res.send(Json.createObjectBuilder().add("status", "error").add("error", message).build().toString());
    }
}
