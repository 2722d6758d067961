package io.ssebroadcaster.http;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.ssebroadcaster.hub.Hub;
import io.ssebroadcaster.hub.HubStats;
import jakarta.json.JsonArrayBuilder;

import java.util.Map;

/**
 * {@code GET /stats}: subscriber counts per channel, as cyclone_sse printed them
 * ({@code [["cats", 946], ["general", 3586]]}), plus connection and message counters.
 */
final class StatsService implements HttpService {

    private final Hub hub;

    StatsService(Hub hub) {
        this.hub = hub;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/stats", this::stats);
    }

    private void stats(ServerRequest req, ServerResponse res) {
        HubStats s = hub.stats();
        JsonArrayBuilder channels = JsonBodies.array();
        for (Map.Entry<String, Integer> e : s.channels()) {
            channels.add(JsonBodies.array().add(e.getKey()).add(e.getValue()));
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
                .add("historySize", s.historySize())
                .build().toString();
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        res.send(body);
    }
}
