package io.ssebroadcaster;

import io.ssebroadcaster.broker.Broker;
import io.ssebroadcaster.broker.Publication;
import io.ssebroadcaster.hub.ChannelInterest;
import io.ssebroadcaster.hub.Position;
import io.ssebroadcaster.hub.Hub;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A broker that passes everything on to the real one, and can be told to do something just before one
 * of the next publishes (fail it, pause Redis): for tests of what a client is told when publishing
 * fails part way. Wrap the server's broker with {@code SseBroadcaster.create(settings, HookedBroker::new)}.
 */
public final class HookedBroker implements Broker {

    private final Broker delegate;
    private final AtomicInteger countdown = new AtomicInteger(-1);
    private final AtomicReference<Runnable> action = new AtomicReference<>();

    public HookedBroker(Broker delegate) {
        this.delegate = delegate;
    }

    /** Runs {@code action} once, just before the {@code n}-th publish from now (0: the next); it may throw to fail it. */
    public void beforeNth(int n, Runnable action) {
        this.action.set(action);
        countdown.set(n);
    }

    @Override
    public Position publish(Publication publication) {
        if (countdown.getAndUpdate(n -> n >= 0 ? n - 1 : n) == 0) {
            action.get().run();
        }
        return delegate.publish(publication);
    }

    @Override
    public ChannelInterest interest() {
        return delegate.interest();
    }

    @Override
    public void start(Hub hub) {
        delegate.start(hub);
    }

    @Override
    public boolean isReady() {
        return delegate.isReady();
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
