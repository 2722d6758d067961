package io.ssebroadcaster.hub;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;
import java.util.logging.Logger;

/**
 * The channel hub: brokers {@linkplain #deliver deliver} events into it, transports
 * {@linkplain #subscribe subscribe} clients to it. It knows nothing of HTTP or of where events
 * come from.
 *
 * <p>Ordering: {@link #deliver} and {@link #subscribe} take one lock, so each subscription is
 * placed exactly between the events it gets from history and the events it gets live. Fan-out
 * happens under that lock too, on the publisher's thread: it only puts the event into each
 * subscriber's outbox (a few dozen nanoseconds, never blocking) and leaves the socket writes to the
 * {@link Writers}. Handing events to a fan-out thread instead cost a thread wake-up per publish,
 * which on this kind of machine was more than the hand-offs themselves.
 */
public final class Hub implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Hub.class.getName());

    /** Publishes are refused when more than half the subscriptions, and more than this many, lag. */
    static final int MIN_LAGGING = 8;

    private final History history;
    private final ChannelInterest interest;
    private final int queueLimit;
    private final long heartbeatNanos;
    private final ChannelRegistry registry;
    private final LongConsumer fanOutNanos;
    /** Guarded by {@link #order}: set while this thread hands an event out (see {@link #ended}). */
    private boolean fanningOut;
    /** Guarded by {@link #order}: subscriptions that ended during a fan-out, removed after it. */
    private final List<Subscription> endedDuringFanOut = new java.util.ArrayList<>();
    private final Writers writers = new Writers(Math.max(2, Runtime.getRuntime().availableProcessors()));
    private final Object order = new Object();
    /** Set once by {@link #close} (guarded by {@link #order}): no publish or subscription is taken after it. */
    private volatile boolean closing;
    /** The newest id delivered (guarded by {@link #order}): a new subscriber's position. */
    private EventId newest;
    private final Set<Subscription> live = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService ticker;
    private final LongAdder published = new LongAdder();
    private final LongAdder openStreams = new LongAdder();
    private final LongAdder openPolls = new LongAdder();
    /** Subscriptions with at least half their outbox full. */
    private final LongAdder lagging = new LongAdder();
    private final LongAdder slowDropped = new LongAdder();
    private final LongAdder replayed = new LongAdder();
    private final LongAdder deliveries = new LongAdder();

    /**
     * @param startId     the position a subscriber is given before any event arrives (ids below it
     *                    belong to an earlier run)
     * @param fanOutNanos told how long each event took to hand to all its subscribers (for metrics)
     */
    public Hub(History history, ChannelInterest interest, int queueLimit, Duration heartbeat, EventId startId,
               LongConsumer fanOutNanos) {
        this.history = history;
        this.newest = startId;
        this.interest = interest;
        this.queueLimit = queueLimit;
        this.heartbeatNanos = heartbeat.toNanos();
        this.registry = new ChannelRegistry();
        this.fanOutNanos = fanOutNanos;
        this.ticker = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("sse-ticker").daemon().factory());
        ticker.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
    }

    /**
     * Asks whether this node can take one more publish; brokers call it before accepting one, never
     * for an event another node already accepted (that one is {@linkplain #deliver delivered} anyway).
     *
     * @throws HubOverloadedException when delivery is too far behind to take more
     * @throws HubClosedException     when the hub is shutting down
     */
    public void admit() {
        if (closing) {
            throw new HubClosedException();
        }
        // When most streams fall behind together, the server is the slow one: slow the publisher
        // down rather than let every outbox overflow and drop readers that did nothing wrong.
        // A few slow clients never trigger this; they are dropped at their own limit.
        long behind = lagging.sum();
        if (behind > Math.max(MIN_LAGGING, live.size() / 2)) {
            throw new HubOverloadedException(behind);
        }
    }

    /**
     * Hands an accepted event to every subscriber of its channels. Callers deliver in id order
     * (brokers serialize this call). It never refuses for load: a subscriber that cannot take the
     * event is disconnected, so it resumes from history with its last id.
     *
     * @throws HubClosedException when the hub is shutting down
     */
    public void deliver(Event event) {
        List<Subscription> departed;
        synchronized (order) {
            if (closing) {
                throw new HubClosedException();
            }
            history.append(event);
            fanOut(event);
            if (event.id().isAfter(newest)) {
                newest = event.id();
            }
            departed = removeEndedDuringFanOut();
        }
        published.increment();
        departed.forEach(sub -> interest.unfollow(sub.channels()));
    }

    /** Puts the event in the outbox of everyone listening; called holding {@link #order}. */
    private void fanOut(Event event) {
        long start = System.nanoTime();
        long[] count = new long[1];
        fanningOut = true;
        try {
            for (String channel : event.channels()) {
                registry.forEachTarget(channel, sub -> {
                    if (sub.offer(event)) {
                        count[0]++;
                    }
                });
            }
        } finally {
            fanningOut = false;
        }
        deliveries.add(count[0]);
        fanOutNanos.accept(System.nanoTime() - start);
    }

    private List<Subscription> removeEndedDuringFanOut() {
        if (endedDuringFanOut.isEmpty()) {
            return List.of();
        }
        List<Subscription> departed = List.copyOf(endedDuringFanOut);
        endedDuringFanOut.clear();
        departed.forEach(registry::remove);
        return departed;
    }

    /**
     * A new subscription and what it missed, to be written before anything it is offered live.
     *
     * @param position the newest id when it subscribed: a client that holds it and comes back
     *                 later is replayed everything after it (so it is worth sending when the replay
     *                 is empty, as an SSE {@code id:} without data)
     */
    public record Subscribed(Subscription subscription, History.Replay replay, EventId position) {
    }

    /**
     * Subscribes to {@code channels} (names or patterns, already validated).
     *
     * @param lastEventId the last id the client saw, or null for live events only
     */
    public Subscribed subscribe(List<String> channels, EventId lastEventId, Subscription.Transport transport) {
        return subscribe(channels, lastEventId, transport, null);
    }

    /**
     * @param expiresAt when the client's credentials expire: the subscription ends then (null: never)
     */
    public Subscribed subscribe(List<String> channels, EventId lastEventId, Subscription.Transport transport,
                                Instant expiresAt) {
        interest.follow(channels);
        Subscription sub;
        History.Replay replay;
        EventId position;
        synchronized (order) {
            if (closing) {
                interest.unfollow(channels);
                throw new HubClosedException();
            }
            position = newest;
            try {
                replay = lastEventId == null ? History.Replay.NONE : history.after(channels, lastEventId);
            } catch (RuntimeException e) {
                interest.unfollow(channels);
                throw e;
            }
            // Live events up to the replay's end may still be on their way in; the subscription skips them
            EventId replayedTo = replay.events().isEmpty() ? EventId.ZERO : replay.events().getLast().id();
            sub = new Subscription(channels, transport, queueLimit, replayedTo, this::ended, lagging,
                    transport == Subscription.Transport.STREAM ? writers : null);
            sub.expiresAt(expiresAt);
            live.add(sub);
            open(transport).increment();
            registry.add(sub);
        }
        replayed.add(replay.events().size());
        return new Subscribed(sub, replay, position);
    }

    private void ended(Subscription sub) {
        live.remove(sub);
        open(sub.transport()).decrement();
        boolean deferred;
        synchronized (order) {
            // Only the thread running a fan-out can see this set: the subscription was cut off by
            // that fan-out, and removing it now would disturb the member array being walked
            deferred = fanningOut;
            if (deferred) {
                endedDuringFanOut.add(sub); // deliver() removes it and unfollows its channels
            } else {
                registry.remove(sub);
            }
        }
        if (!deferred) {
            interest.unfollow(sub.channels());
        }
        if (sub.endReason() == Subscription.EndReason.SLOW) {
            slowDropped.increment();
            LOG.warning(() -> "disconnected slow subscriber " + sub + ": more than " + queueLimit
                    + " events queued");
        }
    }

    private void tick() {
        long idleSince = System.nanoTime() - heartbeatNanos;
        Instant now = Instant.now();
        for (Subscription sub : live) {
            if (sub.expiredAt(now)) {
                sub.end(Subscription.EndReason.EXPIRED);
            } else if (sub.transport() == Subscription.Transport.STREAM) {
                sub.heartbeatIfIdleSince(idleSince);
            }
        }
        history.expire(System.currentTimeMillis());
    }

    /** Cheap enough for every metrics scrape: counters, and one entry per channel (not per subscriber). */
    public HubStats stats() {
        return new HubStats(registry.counts(), (int) openStreams.sum(), (int) openPolls.sum(), published.sum(),
                deliveries.sum(), slowDropped.sum(), replayed.sum(), history.size());
    }

    private LongAdder open(Subscription.Transport transport) {
        return transport == Subscription.Transport.STREAM ? openStreams : openPolls;
    }

    /**
     * Stops taking publishes, lets fan-out hand out what it already accepted (so every publish that was
     * answered reaches the open streams), then ends every subscription so clients reconnect elsewhere.
     */
    @Override
    public void close() {
        synchronized (order) {
            closing = true;
        }
        List<Subscription> ending = List.copyOf(live);
        for (Subscription sub : ending) {
            sub.end(Subscription.EndReason.SHUTDOWN);
        }
        ticker.shutdownNow();
        // pushed streams are written their last events by the writers before those stop
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        for (Subscription sub : ending) {
            sub.awaitEnd(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        }
        writers.close();
    }
}
