package io.ssebroadcaster.observe;

import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.metrics.api.FunctionalCounter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.observe.metrics.MetricsObserver;
import io.ssebroadcaster.broker.Broker;
import io.ssebroadcaster.delivery.Refusals;
import io.ssebroadcaster.hub.Hub;
import io.ssebroadcaster.hub.HubStats;
import io.ssebroadcaster.redis.ClusterBroker;
import io.ssebroadcaster.redis.RedisBroker;
import io.ssebroadcaster.redis.RejectedMessages;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

/**
 * Health and Prometheus metrics under {@code /observe}: {@code /observe/health} (with {@code /live}
 * and {@code /ready}; ready means the broker can publish) and {@code /observe/metrics}.
 *
 * <p>Meters live in Helidon's global registry (the one its Prometheus endpoint serves) and are
 * removed on close, so a server started later in the same JVM registers its own.
 */
public final class Observability {

    private final MeterRegistry registry = Metrics.globalRegistry();
    private final List<Meter> meters = new ArrayList<>();
    private final Timer fanOut = register(Timer.builder("sse.fanout")
            .description("Time to hand one event to every subscriber of its channels")
            .buckets(Duration.ofNanos(100_000), Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10),
                    Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(500)));

    /** Where the hub reports each fan-out's duration. */
    public void recordFanOut(long nanos) {
        fanOut.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Registers the gauges and counters read from the hub and broker at scrape time. */
    public void watch(Hub hub, Broker broker, Refusals refusals) {
        for (Refusals.Reason reason : Refusals.Reason.values()) {
            register(FunctionalCounter.builder("sse.subscribers.refused", refusals, r -> r.refused(reason))
                    .description("Subscribers sent away to come back later, by reason")
                    .tags(List.of(Tag.create("reason", reason.name().toLowerCase(java.util.Locale.ROOT)))));
        }
        gauge("sse.connections", "Open subscriber connections", hub, h -> h.stats().streams(), Tag.create("transport", "stream"));
        gauge("sse.connections", "Open subscriber connections", hub, h -> h.stats().polls(), Tag.create("transport", "poll"));
        gauge("sse.channels", "Channels and patterns with at least one subscriber", hub, h -> h.stats().channels().size());
        gauge("sse.history.events", "Events kept for replay on this node", hub, h -> h.stats().historySize());
        counter("sse.messages.published", "Messages delivered into this node's hub", hub, HubStats::published);
        counter("sse.deliveries", "Events handed to subscribers", hub, HubStats::deliveries);
        counter("sse.replayed.events", "Events sent from history to reconnecting clients", hub, HubStats::replayed);
        counter("sse.slow.subscribers.dropped", "Subscribers disconnected for reading too slowly", hub, HubStats::slowDropped);
        register(FunctionalCounter.builder("sse.redis.reconnects", broker,
                        b -> b instanceof RedisBroker r ? r.reconnects() : 0L)
                .description("Times the Redis subscriber connection was re-established"));
        RejectedMessages rejected = broker instanceof RedisBroker r ? r.rejected()
                : broker instanceof ClusterBroker c ? c.rejected() : null;
        if (broker instanceof ClusterBroker cluster) {
            register(Gauge.builder("sse.redis.cluster.shard.connections", cluster, c -> c.shardConnections())
                    .description("Sharded pub/sub connections (one per master that owns a followed channel)"));
            register(FunctionalCounter.builder("sse.redis.cluster.lost.writes", cluster, ClusterBroker::lostWrites)
                    .description("Times a shard was found to have lost messages this node had delivered (acknowledged by "
                            + "a master that failed before replicating them)"));
        }
        if (rejected != null) {
            for (RejectedMessages.Reason reason : RejectedMessages.Reason.values()) {
                register(FunctionalCounter.builder("sse.redis.messages.rejected", rejected, r -> r.count(reason))
                        .description("Messages from Redis pub/sub not taken as they came: invalid envelopes and ids Redis "
                                + "has not issued (delivered as raw), stale envelopes, invalid channel names and messages over "
                                + "--max-message-bytes (dropped)")
                        .tags(List.of(Tag.create("reason", reason.tag()))));
            }
        }
        register(Gauge.builder("sse.broker.ready", broker, b -> b.isReady() ? 1 : 0)
                .description("1 when the broker can publish"));
    }

    private <M extends Meter, B extends Meter.Builder<B, M>> M register(B builder) {
        M meter = registry.getOrCreate(builder);
        meters.add(meter);
        return meter;
    }

    private void gauge(String name, String help, Hub hub, ToLongFunction<Hub> value, Tag... tags) {
        register(Gauge.builder(name, hub, h -> value.applyAsLong(h))
                .description(help)
                .tags(List.of(tags)));
    }

    private void counter(String name, String help, Hub hub, ToLongFunction<HubStats> value) {
        register(FunctionalCounter.builder(name, hub, h -> value.applyAsLong(h.stats()))
                .description(help));
    }

    /** The {@code /observe} feature: health with a readiness check on the broker, and metrics. */
    public ObserveFeature feature(Broker broker) {
        HealthObserver health = HealthObserver.builder()
                .details(true)
                .addCheck(() -> HealthCheckResponse.builder()
                        .status(broker.isReady())
                        .detail("broker", broker.name())
                        .build(), HealthCheckType.READINESS, "broker")
                .build();
        MetricsObserver metrics = MetricsObserver.create();
        return ObserveFeature.just(health, metrics);
    }

    public void close() {
        meters.forEach(registry::remove);
    }
}
