package io.ssebroadcaster.hub;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one thread that owns the {@link ChannelRegistry} and hands events to subscriptions.
 *
 * <p>Events, new subscriptions and departures go through one queue, so their order is the order
 * the hub decided under its lock: a subscription added after an event was appended to history
 * never also receives it live (it gets it by replay), and one added before always does. Each
 * hand-off is a non-blocking {@link Subscription#offer}, so no client can hold this thread up.
 */
final class FanOut implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(FanOut.class.getName());

    private record Add(Subscription sub) {
    }

    private record Remove(Subscription sub) {
    }

    private final ChannelRegistry registry;
    private final LinkedBlockingQueue<Object> commands = new LinkedBlockingQueue<>();
    private final AtomicInteger pendingEvents = new AtomicInteger();
    /** Hand-offs the queued events will take: what bounds how far fan-out can fall behind. */
    private final java.util.concurrent.atomic.AtomicLong pendingDeliveries = new java.util.concurrent.atomic.AtomicLong();
    private final LongAdder deliveries = new LongAdder();
    private final Thread thread;
    private final LongConsumer fanOutNanos;

    FanOut(ChannelRegistry registry, LongConsumer fanOutNanos) {
        this.registry = registry;
        this.fanOutNanos = fanOutNanos;
        this.thread = Thread.ofPlatform().name("sse-fanout").daemon().unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    int pendingEvents() {
        return pendingEvents.get();
    }

    long deliveries() {
        return deliveries.sum();
    }

    /** Waits (bounded) until every submitted event has been handed to its subscribers. */
    void awaitDrained(java.time.Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (pendingEvents.get() > 0 && System.nanoTime() < deadline && thread.isAlive()) {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
    }

    long pendingDeliveries() {
        return pendingDeliveries.get();
    }

    void submit(Event event) {
        int targets = 0;
        for (String channel : event.channels()) {
            targets += registry.targetCount(channel);
        }
        pendingEvents.incrementAndGet();
        pendingDeliveries.addAndGet(targets);
        commands.add(new Pending(event, targets));
    }

    /** An event with the number of hand-offs it was counted for when submitted. */
    private record Pending(Event event, int targets) {
    }

    void add(Subscription sub) {
        commands.add(new Add(sub));
    }

    void remove(Subscription sub) {
        commands.add(new Remove(sub));
    }

    private void run() {
        List<Object> batch = new ArrayList<>();
        while (!Thread.currentThread().isInterrupted()) {
            try {
                batch.add(commands.take());
            } catch (InterruptedException e) {
                return;
            }
            commands.drainTo(batch);
            for (Object command : batch) {
                try {
                    execute(command);
                } catch (RuntimeException e) {
                    LOG.log(Level.SEVERE, "fan-out failed for " + command, e);
                }
            }
            batch.clear();
        }
    }

    private void execute(Object command) {
        if (command instanceof Pending pending) {
            fanOut(pending.event());
            pendingDeliveries.addAndGet(-pending.targets());
            pendingEvents.decrementAndGet();
        } else if (command instanceof Add add) {
            if (add.sub().endReason() == null) {
                registry.add(add.sub());
            }
        } else if (command instanceof Remove remove) {
            registry.remove(remove.sub());
        }
    }

    private void fanOut(Event event) {
        long start = System.nanoTime();
        long[] count = new long[1];
        for (String channel : event.channels()) {
            registry.forEachTarget(channel, sub -> {
                if (sub.offer(event)) {
                    count[0]++;
                }
            });
        }
        deliveries.add(count[0]);
        fanOutNanos.accept(System.nanoTime() - start);
    }

    @Override
    public void close() {
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
