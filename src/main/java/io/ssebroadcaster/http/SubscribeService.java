package io.ssebroadcaster.http;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.ssebroadcaster.auth.AccessPolicy;
import io.ssebroadcaster.auth.Token;
import io.ssebroadcaster.config.Settings;
import io.ssebroadcaster.hub.Hub;
import io.ssebroadcaster.hub.Subscription;


/** {@code GET /?channels=...}: an SSE stream, or one long poll for clients without EventSource. */
final class SubscribeService implements HttpService {

    private final Hub hub;
    private final AccessPolicy access;
    private final int maxChannels;
    private final ConnectionLimiter connections;
    private final SseStreamWriter streams;
    private final LongPollResponder polls;

    SubscribeService(Hub hub, AccessPolicy access, Settings settings, ConnectionLimiter connections) {
        this.hub = hub;
        this.access = access;
        this.maxChannels = settings.maxChannels();
        this.connections = connections;
        this.streams = new SseStreamWriter(settings.retry().toMillis());
        this.polls = new LongPollResponder(settings.retry().toMillis(), settings.pollTimeout());
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::subscribe);
        rules.any("/", (req, res) -> {
            res.header(HeaderNames.ALLOW, "GET, OPTIONS");
            throw ApiException.methodNotAllowed("use GET to subscribe");
        });
    }

    private void subscribe(ServerRequest req, ServerResponse res) {
        SubscribeRequest request = SubscribeRequest.parse(req, maxChannels);
        Token token = access.checkSubscribe(request.token(), request.channels());
        connections.acquire();
        try {
            Subscription.Transport transport = request.longPoll() ? Subscription.Transport.POLL : Subscription.Transport.STREAM;
            Hub.Subscribed subscribed = hub.subscribe(request.channels(), request.lastEventId(), transport,
                    token == null ? null : token.expiresAt());
            if (request.longPoll()) {
                polls.respond(res, subscribed, request.lastEventId());
            } else {
                streams.stream(req, res, subscribed, request.lastEventId());
            }
        } finally {
            connections.release();
        }
    }
}
