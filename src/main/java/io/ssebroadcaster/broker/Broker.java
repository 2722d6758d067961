package io.ssebroadcaster.broker;

import io.ssebroadcaster.hub.ChannelInterest;
import io.ssebroadcaster.hub.Position;
import io.ssebroadcaster.hub.Hub;

/**
 * Carries publications to the hub of every node that shares this broker.
 *
 * <p>Guarantees every implementation keeps: each publication reaches {@link Hub#deliver} of each
 * connected node at most once, in one order that is the same on every node and matches the ids;
 * {@link #publish} returns only once that is settled (or throws), and never waits on subscribers.
 */
public interface Broker extends AutoCloseable {

    /** The interest listener the hub is built with, so the broker learns which channels to follow. */
    ChannelInterest interest();

    /** Starts delivering into {@code hub}. */
    void start(Hub hub);

    /**
     * A publication with an {@linkplain Publication#idempotencyKey() idempotency key} seen within the
     * window is not carried again: the answer is the id it was given the first time.
     *
     * @return the id the event was given (on Redis Cluster, for several channels: one per channel)
     * @throws BrokerUnavailableException     when the message cannot be carried right now (nothing was sent)
     * @throws PublishOutcomeUnknownException when it was handed over but whether it was carried is unknown
     */
    Position publish(Publication publication);

    /** True when a publish would succeed now (for health checks). */
    boolean isReady();

    /** A short name for logs and health output. */
    String name();

    @Override
    void close();
}
