package io.ssebroadcaster.broker;

import io.ssebroadcaster.delivery.EventStreamCodec;
import io.ssebroadcaster.hub.ChannelInterest;
import io.ssebroadcaster.hub.EventId;
import io.ssebroadcaster.hub.EventIdGenerator;
import io.ssebroadcaster.hub.Hub;

import java.time.Duration;

/**
 * The in-process broker (cyclone_sse's "http" broker): a publish goes straight into this node's hub.
 */
public final class MemoryBroker implements Broker {

    private final EventIdGenerator ids;
    private final IdempotencyKeys keys;
    private volatile Hub hub;

    public MemoryBroker(EventIdGenerator ids) {
        this(ids, new IdempotencyKeys(Duration.ZERO, 1));
    }

    public MemoryBroker(EventIdGenerator ids, IdempotencyKeys keys) {
        this.ids = ids;
        this.keys = keys;
    }

    @Override
    public ChannelInterest interest() {
        return ChannelInterest.NONE;
    }

    @Override
    public void start(Hub hub) {
        this.hub = hub;
    }

    /**
     * Id assignment and delivery happen under one lock so the hub sees ids in order; the same lock
     * makes "key seen? else publish and remember it" one step, so two concurrent retries publish once.
     */
    @Override
    public synchronized EventId publish(Publication p) {
        String key = p.idempotencyKey();
        if (key != null) {
            EventId earlier = keys.idOf(key);
            if (earlier != null) {
                return earlier;
            }
        }
        hub.admit();
        EventId id = ids.next();
        hub.deliver(EventStreamCodec.event(id, p.channels(), p.type(), p.data()));
        if (key != null) {
            keys.remember(key, id);
        }
        return id;
    }

    @Override
    public boolean isReady() {
        return hub != null;
    }

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public void close() {
    }
}
