package io.ssebroadcaster.http;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpException;
import io.helidon.http.HttpMediaType;
import io.helidon.http.Method;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.ssebroadcaster.delivery.Refusals;
import io.ssebroadcaster.auth.AccessDeniedException;
import io.ssebroadcaster.broker.BrokerUnavailableException;
import io.ssebroadcaster.hub.BadPositionException;
import io.ssebroadcaster.hub.NotFollowedException;
import io.ssebroadcaster.broker.PublishOutcomeUnknownException;
import io.ssebroadcaster.hub.HubClosedException;
import io.ssebroadcaster.hub.HubOverloadedException;
import io.ssebroadcaster.hub.PatternLimitException;

import jakarta.json.JsonObjectBuilder;

import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one place where failures become HTTP responses: every error is
 * {@code {"status":"error","error":"..."}} with the status its type calls for. Unexpected
 * exceptions are logged and answered 500 without internals.
 */
public final class ErrorMapper {

    private static final Logger LOG = Logger.getLogger(ErrorMapper.class.getName());

    private ErrorMapper() {
    }

    static void register(HttpRouting.Builder routing, Refusals refusals) {
        routing.error(ApiException.class, (req, res, e) -> send(res, e.status(), e.getMessage(), e.retryAfterSeconds()));
        routing.error(AccessDeniedException.class, (req, res, e) -> {
            if (!e.authenticated()) {
                res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer");
            }
            send(res, e.authenticated() ? 403 : 401, e.getMessage(), null);
        });
        // Helidon's own refusals (an unparsable header, a route it cannot serve) keep their 4xx status
        routing.error(HttpException.class, (req, res, e) -> send(res, e.status().code() >= 500 ? 400 : e.status().code(),
                e.status().code() == 404 ? "no such endpoint" : "malformed request: " + e.status().reasonPhrase(), null));
        routing.error(HubClosedException.class, (req, res, e) -> unavailable(req, res, e, Refusals.Reason.SHUTDOWN, refusals));
        routing.error(HubOverloadedException.class, (req, res, e) -> unavailable(req, res, e, Refusals.Reason.OVERLOAD, refusals));
        routing.error(ConnectionCapException.class, (req, res, e) -> unavailable(req, res, e, Refusals.Reason.CONNECTIONS, refusals));
        routing.error(NotFollowedException.class, (req, res, e) -> unavailable(req, res, e, Refusals.Reason.UPSTREAM, refusals));
        routing.error(BadPositionException.class, (req, res, e) -> send(res, 400, "bad Last-Event-ID: " + e.getMessage(), null));
        routing.error(PatternLimitException.class, (req, res, e) -> send(res, 400, e.getMessage(), null));
        routing.error(BrokerUnavailableException.class, (req, res, e) -> send(res, 503, e.getMessage(), 2));
        // Not "not published": the message may reach subscribers; a retry should carry the same idempotency key
        routing.error(PublishOutcomeUnknownException.class, (req, res, e) -> send(res, 504, e.getMessage(), null));
        routing.error(BatchItemException.class, (req, res, e) -> {
            int status = 400;
            if (e.refusal() instanceof ApiException refusal) {
                status = refusal.status();
            } else if (e.refusal() instanceof AccessDeniedException denied) {
                if (!denied.authenticated()) {
                    res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer");
                }
                status = denied.authenticated() ? 403 : 401;
            }
            send(res, status, e.getMessage(), null, b -> b.add("index", e.index()));
        });
        routing.error(BatchPublishException.class, (req, res, e) -> {
            // The status a single publish failing this way gets; the body adds what was published
            RuntimeException failure = e.failure();
            int status;
            Integer retryAfter = null;
            if (failure instanceof BrokerUnavailableException) {
                status = 503;
                retryAfter = 2;
            } else if (failure instanceof PublishOutcomeUnknownException) {
                status = 504;
            } else if (failure instanceof HubClosedException || failure instanceof HubOverloadedException) {
                status = 503;
                retryAfter = refusals.retryAfterSeconds();
            } else {
                LOG.log(Level.SEVERE, "unexpected error in a batch publish", failure);
                status = 500;
            }
            send(res, status, e.getMessage(), retryAfter, b -> {
                var ids = JsonBodies.array();
                e.published().forEach(id -> ids.add(id.toString()));
                b.add("published", ids).add("failedAt", e.failedAt());
            });
        });
        routing.error(RuntimeException.class, (req, res, e) -> {
            LOG.log(Level.SEVERE, "unexpected error on " + req.prologue().method() + " " + req.path().path(), e);
            send(res, 500, "internal error", null);
        });
    }

    /**
     * Errors Helidon answers itself, before any route runs (a request line or headers too long, a
     * malformed request): the same JSON shape, with 431 for oversized headers, which Helidon
     * reports as a generic 400. Helidon also lands here when a request fails for reasons of its
     * own (it reports them as 5xx): while the server stops, that is the stop (an idle keep-alive
     * connection interrupted just as a request arrived) and the answer is 503 with
     * {@code Retry-After}, as for every other request refused then; otherwise nothing of ours ran
     * and the request was broken.
     *
     * @param stopping whether the server is shutting down
     * @param refusals where the {@code Retry-After} of a refusal comes from
     */
    public static DirectHandlers protocolErrors(BooleanSupplier stopping, Refusals refusals) {
        DirectHandlers.Builder b = DirectHandlers.builder();
        for (DirectHandler.EventType type : DirectHandler.EventType.values()) {
            b.addHandler(type, new ProtocolErrorHandler(stopping, refusals));
        }
        return b.build();
    }

    /** Helidon's own refusals as JSON; see {@link #protocolErrors(BooleanSupplier, Refusals)}. */
    static final class ProtocolErrorHandler implements DirectHandler {
        private final BooleanSupplier stopping;
        private final Refusals refusals;

        ProtocolErrorHandler(BooleanSupplier stopping, Refusals refusals) {
            this.stopping = stopping;
            this.refusals = refusals;
        }

        @Override
        public TransportResponse handle(TransportRequest request, EventType type, Status status,
                                        ServerResponseHeaders headers, Throwable thrown) {
            return handle(request, type, status, headers, thrown == null ? null : thrown.getMessage());
        }

        @Override
        public TransportResponse handle(TransportRequest request, EventType type, Status status,
                                        ServerResponseHeaders headers, String message) {
            if (status.code() >= 500 && stopping.getAsBoolean()) {
                return TransportResponse.builder()
                        .status(Status.SERVICE_UNAVAILABLE_503)
                        .headers(headers)
                        .header(HeaderNames.CONTENT_TYPE, "application/json")
                        .header(HeaderNames.RETRY_AFTER, String.valueOf(refusals.retryAfterSeconds()))
                        .header(HeaderNames.CONNECTION, "close")
                        .entity(JsonBodies.error(new HubClosedException().getMessage()))
                        .build();
            }
            int code = status.code() >= 500 ? 400 : status.code();
            String text = message == null ? "" : message.toLowerCase(java.util.Locale.ROOT);
            if (code == 400 && text.contains("header") && (text.contains("size") || text.contains("exceed"))) {
                code = 431;
            }
            String error = switch (code) {
                case 414 -> "request line too long";
                case 431 -> "request headers too large";
                case 413 -> "request body too large";
                case 400 -> "malformed HTTP request";
                case 505 -> "HTTP version not supported";
                default -> "request refused";
            };
            return TransportResponse.builder()
                    .status(Status.create(code))
                    .headers(headers)
                    .header(HeaderNames.CONTENT_TYPE, "application/json")
                    .entity(JsonBodies.error(error))
                    .build();
        }
    }

    /**
     * The server cannot take this request now. A subscriber is counted; an EventSource gets a 200
     * event stream that tells it when to come back (any other status would make it give up for
     * good); everyone else gets 503 with {@code Retry-After} from the same random window.
     */
    private static void unavailable(ServerRequest req, ServerResponse res, RuntimeException e, Refusals.Reason reason,
                                    Refusals refusals) {
        boolean subscriber = req.prologue().method() == Method.GET && "/".equals(req.path().path());
        if (subscriber) {
            refusals.count(reason);
            if (!res.isSent() && wantsEventStream(req) && !SubscribeRequest.isLongPoll(req)) {
                refusals.send(res, reason);
                return;
            }
        }
        send(res, 503, e.getMessage(), refusals.retryAfterSeconds());
    }

    private static boolean wantsEventStream(ServerRequest req) {
        try {
            return req.headers().acceptedTypes().stream()
                    .map(HttpMediaType::mediaType)
                    .anyMatch(m -> "text".equals(m.type()) && "event-stream".equals(m.subtype()));
        } catch (RuntimeException e) {
            return false;
        }
    }

    static void send(ServerResponse res, int status, String message, Integer retryAfterSeconds) {
        send(res, status, message, retryAfterSeconds, b -> { });
    }

    /** As above, with fields {@code extra} adds to the error object. */
    static void send(ServerResponse res, int status, String message, Integer retryAfterSeconds,
                     Consumer<JsonObjectBuilder> extra) {
        if (res.isSent()) {
            return;
        }
        res.status(Status.create(status));
        if (retryAfterSeconds != null) {
            res.header(HeaderNames.RETRY_AFTER, String.valueOf(retryAfterSeconds));
        }
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        res.send(JsonBodies.error(message, extra));
    }
}
