package io.ssebroadcaster.broker;

import io.ssebroadcaster.delivery.EventStreamCodec;
import io.ssebroadcaster.hub.ChannelInterest;
import io.ssebroadcaster.hub.Event;
import io.ssebroadcaster.hub.EventId;
import io.ssebroadcaster.hub.EventIdGenerator;
import io.ssebroadcaster.hub.Hub;

/**
 * The in-process broker (cyclone_sse's "http" broker): a publish goes straight into this node's hub.
 */
public final class MemoryBroker implements Broker {

    private final EventIdGenerator ids;
    private volatile Hub hub;

    public MemoryBroker(EventIdGenerator ids) {
        this.ids = ids;
    }

    @Override
    public ChannelInterest interest() {
        return ChannelInterest.NONE;
    }

    @Override
    public void start(Hub hub) {
        this.hub = hub;
    }

    /** Id assignment and delivery happen under one lock so the hub sees ids in order. */
    @Override
    public synchronized EventId publish(Publication p) {
        hub.admit();
        EventId id = ids.next();
        hub.deliver(EventStreamCodec.event(id, p.channels(), p.type(), p.data()));
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
