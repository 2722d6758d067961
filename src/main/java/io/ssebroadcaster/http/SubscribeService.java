package io.ssebroadcaster.http;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.ssebroadcaster.auth.AccessPolicy;
import io.ssebroadcaster.auth.Token;
import io.ssebroadcaster.delivery.EventStreams;

import java.net.Socket;

/**
 * {@code GET /?channels=...}: an SSE stream, or one long poll for clients without EventSource.
 *
 * <p>It is the route's handler itself (not a method reference): a stream's request thread stays
 * parked inside it, and each frame on that stack costs every idle stream.
 */
final class SubscribeService implements HttpService, Handler {

    private final EventStreams streams;
    private final AccessPolicy access;
    private final int maxChannels;
    private final ConnectionLimiter connections;
    private final ConnectionGate gate;

    SubscribeService(EventStreams streams, AccessPolicy access, int maxChannels, ConnectionLimiter connections,
                     ConnectionGate gate) {
        this.streams = streams;
        this.access = access;
        this.maxChannels = maxChannels;
        this.connections = connections;
        this.gate = gate;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this);
        rules.any("/", (req, res) -> {
            res.header(HeaderNames.ALLOW, "GET, OPTIONS");
            throw ApiException.methodNotAllowed("use GET to subscribe");
        });
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        SubscribeRequest request = SubscribeRequest.parse(req, maxChannels);
        Token token = access.checkSubscribe(request.token(), request.channels());
        connections.acquire();
        Socket watched = gate.streamOpened(req); // counted by the limiter above: no request deadline applies to it
        try {
            streams.serve(req, res, new EventStreams.Request(request.channels(), request.lastEventId(),
                    request.longPoll(), token == null ? null : token.expiresAt()));
        } finally {
            gate.streamClosed(watched);
            connections.release();
        }
    }
}
