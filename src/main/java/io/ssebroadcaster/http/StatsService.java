package io.ssebroadcaster.http;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.ssebroadcaster.auth.AccessPolicy;
import io.ssebroadcaster.hub.Hub;
import io.ssebroadcaster.hub.HubStats;
import io.ssebroadcaster.delivery.Refusals;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObjectBuilder;

import java.util.Locale;

import java.util.Map;
import java.util.function.Predicate;

/**
 * {@code GET /stats}: subscriber counts per channel, as cyclone_sse printed them
 * ({@code [["cats", 946], ["general", 3586]]}), plus connection and message counters. Private
 * channels are named only to a caller that may know them ({@link AccessPolicy#mayName}); the
 * totals count everyone.
 */
final class StatsService implements HttpService {

    private final Hub hub;
    private final Refusals refusals;
    private final AccessPolicy access;

    StatsService(Hub hub, Refusals refusals, AccessPolicy access) {
        this.hub = hub;
        this.refusals = refusals;
        this.access = access;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/stats", this::stats);
    }

    private void stats(ServerRequest req, ServerResponse res) {
        HubStats s = hub.stats();
        JsonArrayBuilder channels = JsonBodies.array();
        Predicate<String> shown = access.mayName(PublishRequest.bearer(req));
        for (Map.Entry<String, Integer> e : s.channels()) {
            if (shown.test(e.getKey())) {
                channels.add(JsonBodies.array().add(e.getKey()).add(e.getValue()));
            }
        }
        String body = JsonBodies.object()
                .add("channels", channels)
                .add("connections", JsonBodies.object()
                        .add("stream", s.streams())
                        .add("poll", s.polls())
                        .add("total", s.streams() + s.polls()))
                .add("published", s.published())
                .add("deliveries", s.deliveries())
                .add("slowDropped", s.slowDropped())
                .add("replayed", s.replayed())
                .add("refused", refused())
                .add("historySize", s.historySize())
                .build().toString();
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        res.send(body);
    }

    /** Subscribers sent away, by reason: {@code {"connections": 0, "overload": 0, "shutdown": 0}}. */
    private JsonObjectBuilder refused() {
        JsonObjectBuilder out = JsonBodies.object();
        for (Refusals.Reason reason : Refusals.Reason.values()) {
            out.add(reason.name().toLowerCase(Locale.ROOT), refusals.refused(reason));
        }
        return out;
    }
}
