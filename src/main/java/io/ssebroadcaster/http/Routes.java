package io.ssebroadcaster.http;

import io.helidon.webserver.cors.CorsSupport;
import io.helidon.webserver.http.HttpRouting;
import io.ssebroadcaster.auth.AccessPolicy;
import io.ssebroadcaster.broker.Broker;
import io.ssebroadcaster.config.Settings;
import io.ssebroadcaster.delivery.EventStreamCodec;
import io.ssebroadcaster.delivery.EventStreams;
import io.ssebroadcaster.delivery.Refusals;
import io.ssebroadcaster.hub.Hub;

/** Every HTTP endpoint, in one place. */
public final class Routes {

    private static final String OBSERVE = "/observe";

    private Routes() {
    }

    public static void configure(HttpRouting.Builder routing, Hub hub, EventStreams streams, Refusals refusals,
                                 Broker broker, Settings settings, ConnectionLimiter connections,
                                 ConnectionGate gate) {
        ErrorMapper.register(routing, refusals);
        // Handlers that pass requests on with res.next(), not filters: see HeaderSizeLimit
        routing.any((req, res) -> {
            gate.routed(req); // an HTTP/2 connection is Helidon's to time out, not the gate's
            res.next();
        });
        routing.any(new HeaderSizeLimit());
        routing.any(new CorsRefusals(settings.corsOrigins(), settings.corsHeaders()));
        CorsSupport cors = cors(settings);
        routing.any((req, res) -> {
            if (SameOrigin.test(req)) {
                res.next(); // Helidon would call a page behind a TLS proxy cross-origin (other scheme) and refuse it
            } else {
                cors.handle(req, res);
            }
        });
        AccessPolicy access = new AccessPolicy(settings.httpSecret(), settings.security());
        routing.register(new SubscribeService(streams, access, settings.maxChannels(), connections, gate));
        routing.register(new PublishService(broker, access, new BatchRequest.Limits(settings.maxMessageBytes(),
                settings.maxChannels(), settings.batch().maxItems(), settings.batch().maxBytes()), gate));
        routing.register(new StatsService(hub, refusals, access));
        StaticFiles.register(routing);
        routing.any((req, res) -> {
            if (req.path().path().startsWith(OBSERVE)) {
                res.next(); // health and metrics are routed after us, by Helidon's observe feature
                return;
            }
            throw ApiException.notFound("no such endpoint: " + req.prologue().method().text() + " " + req.path().path());
        });
    }

    private static CorsSupport cors(Settings settings) {
        boolean anyOrigin = settings.corsOrigins().contains("*");
        return CorsSupport.builder()
                .allowOrigins(anyOrigin ? new String[] {"*"} : settings.corsOrigins().toArray(String[]::new))
                .allowMethods("GET", "POST", "OPTIONS")
                // With "*" Helidon answers a preflight with the very names it asked for, never a literal
                // "*" (which browsers ignore for credentialed requests)
                .allowHeaders(settings.corsHeaders().toArray(String[]::new))
                .exposeHeaders(EventStreamCodec.HISTORY_TRUNCATED.defaultCase(), "Retry-After")
                // Credentials are answered by echoing the page's origin (never "*"). For any origin that
                // is safe only while no credential unlocks anything: with tokens, any site could read a
                // logged-in user's private stream. htmx's SSE extension always sends credentials.
                .allowCredentials(!anyOrigin || !settings.security().authEnabled())
                .maxAgeSeconds(600)
                .build();
    }
}
