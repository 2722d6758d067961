package io.ssebroadcaster.http;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.ssebroadcaster.broker.Broker;
import io.ssebroadcaster.hub.EventId;
import jakarta.json.Json;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** {@code POST /publish}: validates, checks the publisher key, hands the message to the broker. */
final class PublishService implements HttpService {

    private final Broker broker;
    private final byte[] secret;
    private final int maxMessageBytes;
    private final int maxChannels;

    PublishService(Broker broker, String httpSecret, int maxMessageBytes, int maxChannels) {
        this.broker = broker;
        this.secret = httpSecret == null ? null : sha256(httpSecret);
        this.maxMessageBytes = maxMessageBytes;
        this.maxChannels = maxChannels;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/publish", this::publish);
        rules.any("/publish", (req, res) -> {
            res.header(HeaderNames.ALLOW, "POST, OPTIONS");
            throw ApiException.methodNotAllowed("use POST to publish");
        });
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private void publish(ServerRequest req, ServerResponse res) {
        PublishRequest parsed = PublishRequest.parse(req, maxMessageBytes, maxChannels);
        if (secret != null) {
            String key = PublishRequest.keyFrom(req, parsed);
            // Comparing fixed-length digests with isEqual takes the same time wherever keys differ
            if (key == null || !MessageDigest.isEqual(secret, sha256(key))) {
                throw ApiException.unauthorized(key == null ? "missing publisher key" : "wrong publisher key");
            }
        }
        EventId id = broker.publish(parsed.publication());
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        res.send(Json.createObjectBuilder().add("status", "ok").add("id", id.toString()).build().toString());
    }
}
