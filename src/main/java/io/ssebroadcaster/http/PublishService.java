package io.ssebroadcaster.http;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.ssebroadcaster.auth.AccessPolicy;
import io.ssebroadcaster.broker.Broker;
import io.ssebroadcaster.hub.EventId;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** {@code POST /publish}: validates, checks the publisher's right, hands the message to the broker. */
final class PublishService implements HttpService {

    private final Broker broker;
    private final AccessPolicy access;
    private final int maxMessageBytes;
    private final int maxChannels;
    private final ConnectionGate gate;

    PublishService(Broker broker, AccessPolicy access, int maxMessageBytes, int maxChannels, ConnectionGate gate) {
        this.broker = broker;
        this.access = access;
        this.maxMessageBytes = maxMessageBytes;
        this.maxChannels = maxChannels;
        this.gate = gate;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/publish", this::publish);
        rules.any("/publish", (req, res) -> {
            res.header(HeaderNames.ALLOW, "POST, OPTIONS");
            throw ApiException.methodNotAllowed("use POST to publish");
        });
    }

    private void publish(ServerRequest req, ServerResponse res) {
        PublishRequest parsed = PublishRequest.parse(req, maxMessageBytes, maxChannels);
        gate.bodyRead(req); // the body deadline is over; the broker may take its time
        access.checkPublish(Arrays.asList(parsed.key(), PublishRequest.bearer(req)), parsed.publication().channels());
        EventId id = broker.publish(parsed.publication());
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        // Written by hand: the hottest answer we give, and an id is digits, '-' and '.', never escaped.
        // A JSON-P object builder here cost more CPU than the rest of the publish.
        res.send(("{\"status\":\"ok\",\"id\":\"" + id + "\"}").getBytes(StandardCharsets.US_ASCII));
    }
}
