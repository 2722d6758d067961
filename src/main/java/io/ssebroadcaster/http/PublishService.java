package io.ssebroadcaster.http;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.ssebroadcaster.auth.AccessDeniedException;
import io.ssebroadcaster.auth.AccessPolicy;
import io.ssebroadcaster.broker.Broker;
import io.ssebroadcaster.hub.Position;
import jakarta.json.JsonValue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code POST /publish}: validates, checks the publisher's right, hands the message to the broker.
 * A JSON array or an NDJSON body is a batch: every item is validated and checked first, then they are
 * published one after another, in order.
 */
final class PublishService implements HttpService {

    private final Broker broker;
    private final AccessPolicy access;
    private final BatchRequest.Limits limits;
    private final ConnectionGate gate;

    PublishService(Broker broker, AccessPolicy access, BatchRequest.Limits limits, ConnectionGate gate) {
        this.broker = broker;
        this.access = access;
        this.limits = limits;
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
        String mediaType = PublishRequest.mediaType(req);
        int single = PublishRequest.bodyLimit(limits.maxMessageBytes());
        switch (mediaType) {
            case PublishRequest.FORM ->
                    publishOne(req, res, PublishRequest.fromForm(req, RequestBody.read(req, single),
                            limits.maxMessageBytes(), limits.maxChannels()));
            case PublishRequest.NDJSON -> publishBatch(req, res,
                    BatchRequest.fromNdjson(RequestBody.read(req, limits.maxBytes()), limits));
            case PublishRequest.JSON -> {
                // An object or an array: which one is known only once read, so the larger limit holds
                // while reading, and the single publish's afterwards
                byte[] body = RequestBody.read(req, Math.max(single, limits.maxBytes()));
                JsonValue value = PublishRequest.readJson(PublishRequest.jsonText(body, "JSON body"), "JSON body");
                if (value.getValueType() == JsonValue.ValueType.ARRAY) {
                    if (body.length > limits.maxBytes()) {
                        throw RequestBody.tooLarge(limits.maxBytes());
                    }
                    publishBatch(req, res, BatchRequest.fromJsonArray(value.asJsonArray(), limits));
                } else if (value.getValueType() == JsonValue.ValueType.OBJECT) {
                    if (body.length > single) {
                        throw RequestBody.tooLarge(single);
                    }
                    publishOne(req, res, PublishRequest.fromJson(req, value.asJsonObject(), limits.maxMessageBytes(),
                            limits.maxChannels()));
                } else {
                    throw ApiException.badRequest("JSON body must be an object (a publish) or an array of them (a batch)");
                }
            }
            default -> throw ApiException.unsupportedMediaType("unsupported Content-Type '" + mediaType
                    + "': send application/x-www-form-urlencoded, application/json or application/x-ndjson");
        }
    }

    private void publishOne(ServerRequest req, ServerResponse res, PublishRequest parsed) {
        gate.bodyRead(req); // the body deadline is over; the broker may take its time
        access.checkPublish(Arrays.asList(parsed.key(), PublishRequest.bearer(req)), parsed.publication().channels());
        Position id = broker.publish(parsed.publication());
        headers(res);
        // Written by hand: the hottest answer we give, and an id is digits, '-' and '.', never escaped.
        // A JSON-P object builder here cost more CPU than the rest of the publish.
        res.send(("{\"status\":\"ok\",\"id\":\"" + id + "\"}").getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Everything is checked before the first item is published: a refusal then means nothing was.
     * Items are published one at a time, each call settled before the next, so ids rise in item order
     * and a broker failure leaves a clean split: items before it published, items after it not sent.
     */
    private void publishBatch(ServerRequest req, ServerResponse res, BatchRequest batch) {
        gate.bodyRead(req);
        IdempotencyKey.refuseHeaderForBatch(req);
        String bearer = PublishRequest.bearer(req);
        List<PublishRequest> items = batch.items();
        for (int i = 0; i < items.size(); i++) {
            PublishRequest item = items.get(i);
            try {
                access.checkPublish(Arrays.asList(item.key(), bearer), item.publication().channels());
            } catch (AccessDeniedException e) {
                throw new BatchItemException(i, e);
            }
        }
        List<Position> ids = new ArrayList<>(items.size());
        for (PublishRequest item : items) {
            try {
                ids.add(broker.publish(item.publication()));
            } catch (RuntimeException e) {
                throw new BatchPublishException(ids, e);
            }
        }
        headers(res);
        StringBuilder answer = new StringBuilder(32 + 24 * ids.size()).append("{\"status\":\"ok\",\"ids\":[");
        for (int i = 0; i < ids.size(); i++) {
            answer.append(i == 0 ? "\"" : ",\"").append(ids.get(i)).append('"'); // never escaped, as above
        }
        res.send(answer.append("]}").toString().getBytes(StandardCharsets.US_ASCII));
    }

    private static void headers(ServerResponse res) {
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
    }
}
