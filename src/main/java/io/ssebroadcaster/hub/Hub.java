package io.ssebroadcaster.hub;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
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
 * {@linkplain #subscribe subscribe} clients to it. It knows nothing of HTTP, of the wire format or of
 * where events come from.
 *
 * <p>Ordering: {@link #deliver} and {@link #subscribe} take one lock, so each subscription is
 * placed exactly at a point in the event order: everything after it reaches the subscription live,
 * its replay comes from history up to that point. The replay is read after the lock is released
 * (history may be Redis, and nobody's delivery waits for it); live events meanwhile wait in the new
 * subscription's outbox, which the transport drains only after writing the replay, and those the
 * replay already holds are dropped from it. Fan-out
 * happens under that lock too, on the publisher's thread: it only puts the event into each
 * subscriber's {@link Outbox} (a few dozen nanoseconds, never blocking) and tells the subscriber's
 * {@link Drain} when its outbox stops being empty; the socket writes happen elsewhere. A subscriber
 * whose outbox is full is cut off after the loop, so it resumes from history with its last id.
 */
public final class Hub implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Hub.class.getName());

    /**
     * What the hub bounds.
     *
     * @param queueLimit events one subscriber may have queued before it is cut off
     * @param heartbeat  how long a stream may stay silent before it is sent a keep-alive
     * @param maxBacklog publishes and new subscribers are refused while the writers are this far behind
     * @param replay     how much one subscriber's replay may carry
     */
    public record Limits(int queueLimit, Duration heartbeat, Duration maxBacklog, ReplayLimit replay) {

        /** With replays bounded only by what history keeps. */
        public Limits(int queueLimit, Duration heartbeat, Duration maxBacklog) {
            this(queueLimit, heartbeat, maxBacklog, ReplayLimit.NONE);
        }
    }

    private final History history;
    private final ChannelInterest interest;
    private final Backlog backlog;
    private final int queueLimit;
    private final long heartbeatNanos;
    private final long maxBacklogNanos;
    private final ReplayLimit replayLimit;
    private final Event keepAlive;
    private final ChannelRegistry registry = new ChannelRegistry();
    private final LongConsumer fanOutNanos;
    private final Object order = new Object();
    /** Set once by {@link #close}: no publish or subscription is taken after it. */
    private volatile boolean closing;
    /** The newest id delivered (guarded by {@link #order}): a new subscriber's position. */
    private EventId newest;
    /** Guarded by {@link #order}: subscribers whose outbox overflowed during the current fan-out. */
    private final List<Subscription> overflowed = new ArrayList<>();
    private final Set<Subscription> live = ConcurrentHashMap.newKeySet();
    /** Null where every event has its place in one order; else each channel's own (Redis Cluster). */
    private final ChannelOrder channelOrder;
    private final ScheduledExecutorService ticker;
    private final LongAdder published = new LongAdder();
    private final LongAdder openStreams = new LongAdder();
    private final LongAdder openPolls = new LongAdder();
    private final LongAdder slowDropped = new LongAdder();
    private final LongAdder replayed = new LongAdder();
    private final LongAdder deliveries = new LongAdder();
    /** One line per cause and interval however many clients stop reading at once (see RateLimitedWarning). */
    private final RateLimitedWarning queueFullWarning = new RateLimitedWarning(LOG);
    private final RateLimitedWarning writeBlockedWarning = new RateLimitedWarning(LOG);

    /**
     * @param backlog     how far behind the writers are (work is refused past {@code limits.maxBacklog})
     * @param keepAlive   queued for streams idle for {@code heartbeat}; written like an event
     * @param startId     the position a subscriber is given before any event arrives (ids below it
     *                    belong to an earlier run)
     * @param fanOutNanos told how long each event took to hand to all its subscribers (for metrics)
     */
    public Hub(History history, ChannelInterest interest, Backlog backlog, Limits limits, Event keepAlive,
               EventId startId, LongConsumer fanOutNanos) {
        this(history, interest, backlog, limits, keepAlive, startId, fanOutNanos, null);
    }

    /**
     * @param perChannel null where every event has its place in one order (the memory broker, one
     *                   Redis); else each channel keeps its own (Redis Cluster, see {@link ChannelOrder}),
     *                   and this stamps a subscriber's place in all its channels on what it is sent
     */
    public Hub(History history, ChannelInterest interest, Backlog backlog, Limits limits, Event keepAlive,
               EventId startId, LongConsumer fanOutNanos, IdStamper perChannel) {
        this.channelOrder = perChannel == null ? null : new ChannelOrder(perChannel);
        this.history = history;
        this.interest = interest;
        this.backlog = backlog;
        this.queueLimit = limits.queueLimit();
        this.heartbeatNanos = limits.heartbeat().toNanos();
        this.maxBacklogNanos = limits.maxBacklog().toNanos();
        this.replayLimit = limits.replay();
        this.keepAlive = keepAlive;
        this.newest = startId;
        this.fanOutNanos = fanOutNanos;
        this.ticker = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("sse-ticker").daemon().factory());
        ticker.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
    }

    /**
     * Asks whether this node can take more work: a publish (brokers call it before accepting one,
     * never for an event another node already accepted) or a new subscriber.
     *
     * @throws HubOverloadedException when the writers are too far behind
     * @throws HubClosedException     when the hub is shutting down
     */
    public void admit() {
        if (closing) {
            throw new HubClosedException();
        }
        long behind = backlog.behindNanos();
        if (behind > maxBacklogNanos) {
            throw new HubOverloadedException(Duration.ofNanos(behind));
        }
    }

    /**
     * Hands an accepted event to every subscriber of its channels. Callers deliver in id order
     * (brokers serialize this call). It never refuses for load: a subscriber that cannot take the
     * event is cut off, so it resumes from history with its last id.
     *
     * @throws HubClosedException when the hub is shutting down
     */
    public void deliver(Event event) {
        List<Subscription> cut;
        synchronized (order) {
            if (closing) {
                throw new HubClosedException();
            }
            if (channelOrder != null && !channelOrder.accept(event)) {
                return; // a repeat (a catch-up overlapping live delivery), or a channel nobody here follows
            }
            history.append(event);
            fanOut(event);
            if (event.id().isAfter(newest)) {
                newest = event.id();
            }
            cut = overflowed.isEmpty() ? List.of() : List.copyOf(overflowed);
            overflowed.clear();
        }
        published.increment();
        for (Subscription sub : cut) {
            end(sub, Subscription.EndReason.SLOW);
        }
    }

    /** Puts the event in the outbox of everyone listening; called holding {@link #order}. */
    private void fanOut(Event event) {
        long start = System.nanoTime();
        long[] count = new long[1];
        for (String channel : event.channels()) {
            registry.forEachTarget(channel, sub -> {
                Event offered = channelOrder == null ? event : channelOrder.forSubscriber(event, sub.channels());
                switch (sub.outbox().offer(offered)) {
                    case QUEUED -> count[0]++;
                    case QUEUED_FIRST -> {
                        count[0]++;
                        sub.drain().ready(sub);
                    }
                    case OVERFLOW -> overflowed.add(sub);
                    case DUPLICATE, CLOSED -> { }
                }
            });
        }
        deliveries.add(count[0]);
        fanOutNanos.accept(System.nanoTime() - start);
    }

    /**
     * A new subscription and what it missed, to be written before anything it is offered live.
     *
     * @param position the newest id when it subscribed: a client that holds it and comes back
     *                 later is replayed everything after it (so it is worth sending when the replay
     *                 is empty, as an SSE {@code id:} without data)
     */
    public record Subscribed(Subscription subscription, History.Replay replay, Position position) {
    }

    /**
     * Subscribes to {@code channels} (names or patterns, already validated).
     *
     * @param lastEventId the client's place (its last id), or null for live events only
     * @param expiresAt   when the client's credentials expire: the subscription ends then (null: never)
     * @param drain       told when there is something to write, and when the subscription ends
     * @throws HubOverloadedException when the writers are too far behind to take a subscriber
     * @throws HubClosedException     when the hub is shutting down
     * @throws BadPositionException   when {@code lastEventId} cannot be a place in these channels
     */
    public Subscribed subscribe(List<String> channels, Position lastEventId, Subscription.Kind kind,
                                Instant expiresAt, Drain drain) {
        if (channelOrder != null) {
            return subscribeByChannel(List.copyOf(new TreeSet<>(channels)), lastEventId, kind, expiresAt, drain);
        }
        if (lastEventId != null && !(lastEventId instanceof EventId)) {
            throw new BadPositionException("Last-Event-ID lists a place per channel, which only a server on Redis"
                    + " Cluster issues");
        }
        EventId after = (EventId) lastEventId;
        admit();
        interest.follow(channels);
        Subscription sub;
        EventId position;
        synchronized (order) {
            if (closing) {
                interest.unfollow(channels);
                throw new HubClosedException();
            }
            position = newest;
            sub = register(channels, kind, expiresAt, drain, true);
        }
        if (after == null) {
            return new Subscribed(sub, History.Replay.NONE, position);
        }
        // Outside the lock: however long history takes (Redis), no delivery waits for it. What is
        // delivered meanwhile waits in the outbox (bounded by the queue limit, as for a slow client)
        History.Replay replay = replay(sub, () -> history.after(channels, after, position, replayLimit));
        if (!replay.events().isEmpty()) {
            // Live events up to the replay's end may have been queued already, or still be on their way
            sub.outbox().skipThrough(replay.events().getLast().id());
        }
        return new Subscribed(sub, replay, position);
    }

    /**
     * Where each channel keeps its own order: the subscriber is placed at the hub's newest id in each
     * channel, and replayed each channel up to there; everything after reaches it live.
     */
    private Subscribed subscribeByChannel(List<String> channels, Position lastEventId, Subscription.Kind kind,
                                          Instant expiresAt, Drain drain) {
        Map<String, EventId> from = lastEventId == null ? null : ChannelOrder.bind(channels, lastEventId);
        admit();
        interest.follow(channels);
        Subscription sub;
        Position position;
        synchronized (order) {
            String missing = closing ? null : channelOrder.missing(channels);
            if (closing || missing != null) {
                interest.unfollow(channels);
                throw closing ? new HubClosedException() : new NotFollowedException(missing);
            }
            position = channelOrder.now(channels);
            sub = register(channels, kind, expiresAt, drain, false);
        }
        if (from == null) {
            return new Subscribed(sub, History.Replay.NONE, position);
        }
        Map<String, EventId> upTo = ChannelOrder.bind(channels, position);
        History.Replay replay = replay(sub, () -> history.after(from, upTo, replayLimit));
        return new Subscribed(sub, new History.Replay(channelOrder.stampReplay(replay.events(), channels, from),
                replay.truncated()), position);
    }

    /** Called holding {@link #order}. */
    private Subscription register(List<String> channels, Subscription.Kind kind, Instant expiresAt, Drain drain,
                                  boolean ordered) {
        Subscription sub = new Subscription(channels, kind, new Outbox(queueLimit, ordered), drain, expiresAt);
        live.add(sub);
        open(kind).increment();
        registry.add(sub);
        return sub;
    }

    private History.Replay replay(Subscription sub, java.util.function.Supplier<History.Replay> read) {
        History.Replay replay;
        try {
            replay = read.get();
        } catch (RuntimeException e) {
            end(sub, Subscription.EndReason.CLOSED);
            throw e;
        }
        replayed.add(replay.events().size());
        return replay;
    }

    // ---- For a broker where each channel keeps its own order (see ChannelOrder)

    /**
     * The broker follows {@code channel} upstream now, and will deliver every event after
     * {@code top} (the newest id it had there): new subscribers are placed there.
     */
    public void establish(String channel, EventId top) {
        synchronized (order) {
            channelOrder.establish(channel, top);
        }
    }

    /** The broker no longer follows {@code channel}: what still arrives for it is not delivered. */
    public void forget(String channel) {
        synchronized (order) {
            channelOrder.forget(channel);
        }
    }

    /** The newest id delivered on {@code channel}, or null when it is not established. */
    public EventId latest(String channel) {
        synchronized (order) {
            return channelOrder.latest(channel);
        }
    }

    /**
     * Ends a subscription, once, whoever calls first: it leaves the channels at once (upstream
     * interest is dropped with its last local subscriber), and its drain is told to close. A
     * {@link Subscription.EndReason#SLOW SLOW} end here is an overflowed outbox; a transport whose
     * write blocked too long calls {@link #cutOff} instead, so the log names the right cause.
     */
    public void end(Subscription sub, Subscription.EndReason reason) {
        end(sub, reason, false);
    }

    /** Ends a subscription whose client stopped reading while a write to it was under way (write timeout). */
    public void cutOff(Subscription sub) {
        end(sub, Subscription.EndReason.SLOW, true);
    }

    private void end(Subscription sub, Subscription.EndReason reason, boolean writeBlocked) {
        if (!sub.markEnded(reason)) {
            return;
        }
        if (reason == Subscription.EndReason.SHUTDOWN) {
            sub.outbox().close(); // what was accepted before is still written
        } else {
            sub.outbox().discard();
        }
        synchronized (order) {
            registry.remove(sub);
        }
        live.remove(sub);
        open(sub.kind()).decrement();
        interest.unfollow(sub.channels());
        if (reason == Subscription.EndReason.SLOW) {
            slowDropped.increment();
            if (writeBlocked) {
                writeBlockedWarning.warn(() -> "disconnected slow subscriber " + sub + ": a write to it blocked longer "
                        + "than the write timeout");
            } else {
                queueFullWarning.warn(() -> "disconnected slow subscriber " + sub + ": more than " + queueLimit
                        + " events queued (--queue-limit)");
            }
        }
        sub.drain().ended(sub, reason);
    }

    private void tick() {
        long idleSince = System.nanoTime() - heartbeatNanos;
        Instant now = Instant.now();
        for (Subscription sub : live) {
            if (sub.expiredAt(now)) {
                end(sub, Subscription.EndReason.EXPIRED);
            } else if (sub.kind() == Subscription.Kind.STREAM && sub.idleSince(idleSince)
                    && sub.outbox().offerKeepAlive(keepAlive)) {
                sub.drain().ready(sub);
            }
        }
        history.expire(System.currentTimeMillis());
    }

    /** Cheap enough for every metrics scrape: counters, and one entry per channel (not per subscriber). */
    public HubStats stats() {
        return new HubStats(registry.counts(), (int) openStreams.sum(), (int) openPolls.sum(), published.sum(),
                deliveries.sum(), slowDropped.sum(), replayed.sum(), history.size());
    }

    private LongAdder open(Subscription.Kind kind) {
        return kind == Subscription.Kind.STREAM ? openStreams : openPolls;
    }

    /**
     * Stops taking publishes and subscribers, then ends every subscription as {@code SHUTDOWN}: each
     * transport writes what was already accepted (so every publish that was answered reaches the
     * open streams), tells its client when to come back, and closes.
     */
    @Override
    public void close() {
        synchronized (order) {
            closing = true;
        }
        ticker.shutdownNow();
        for (Subscription sub : List.copyOf(live)) {
            end(sub, Subscription.EndReason.SHUTDOWN);
        }
    }
}
