package io.ssebroadcaster.redis;

import io.ssebroadcaster.hub.ChannelInterest;
import io.ssebroadcaster.hub.ChannelName;
import io.ssebroadcaster.hub.PatternIndex;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.exceptions.JedisException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The node's one subscriber connection to Redis, following exactly the channels and patterns its
 * clients want (one upstream subscription however many local clients share it).
 *
 * <p>Its thread owns the connection: it connects, hands every message to the {@link RedisDelivery},
 * and when the connection drops (Redis restarting, a network fault) reconnects with capped backoff
 * and subscribes to everything again, then tells the delivery once all of it is live, so it can
 * read what was missed from the streams. A connection that goes silent without closing is noticed
 * by its {@link SilenceWatch} (it is pinged every third of the ping timeout) and closed, which
 * makes the node not ready at once and the thread reconnect. Other threads change the
 * subscriptions on the live connection under {@link #upstream}; a new local subscriber waits
 * (bounded) for Redis to confirm, because a message published before the confirmation would pass
 * this node by.
 *
 * <p>Nothing a message carries can end the thread or the connection: what goes wrong handling one is
 * logged, and the next is handled.
 */
final class RedisSubscriber implements ChannelInterest, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(RedisSubscriber.class.getName());
    /** Always subscribed, so the connection has a subscription before any client arrives. */
    private static final String CONTROL_CHANNEL = "sse:control";
    /** The argument of the PING that marks the end of a resubscription (the periodic pings have none). */
    private static final String RESUBSCRIBED = "sse:resubscribed";
    private static final long FOLLOW_WAIT_MILLIS = 2000;
    private static final long FIRST_BACKOFF_MILLIS = 100;
    private static final long MAX_BACKOFF_MILLIS = 5000;
    /** How often a silent connection is looked at, at most (a fraction of the ping timeout otherwise). */
    private static final long MAX_CHECK_MILLIS = 250;

    private final RedisEndpoint endpoint;
    private final JedisPooled commands;
    /** Silent this long: the connection is dead. Also the read timeout of its handshake. */
    private final int pingTimeoutMillis;

    // What local subscriptions want upstream: how many want each channel or pattern
    private final Object upstream = new Object();
    private final Map<String, Integer> followers = new HashMap<>();
    /** The patterns among them, filed so a message's channel finds its matches without trying them all. */
    private final PatternIndex patterns = new PatternIndex();
    private final Map<String, CompletableFuture<Void>> pendingAcks = new HashMap<>();
    /**
     * The live connection's listener, null while disconnected: set and cleared under {@link #upstream},
     * read without it for readiness.
     */
    private volatile Listener listener;
    /** The current connection attempt's watch, from before its first command; null between attempts. */
    private volatile SilenceWatch watch;

    private final Thread thread;
    /** Two threads: a ping blocked on a full socket must not hold up the silence checks. */
    private final ScheduledExecutorService pinger;
    private final LongAdder reconnects = new LongAdder();
    /** A gap longer than this between two silence checks means this process was paused. */
    private final long pauseNanos;
    /** When the silence was last checked (only the check task uses it). */
    private long lastCheckNanos = System.nanoTime();
    private volatile boolean closed;
    private volatile RedisDelivery delivery;

    /** @param pingTimeoutMillis a connection silent this long is closed and the node reports not ready */
    RedisSubscriber(RedisEndpoint endpoint, JedisPooled commands, int pingTimeoutMillis) {
        this.endpoint = endpoint;
        this.commands = commands;
        this.pingTimeoutMillis = pingTimeoutMillis;
        this.pauseNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(1000, checkMillis(pingTimeoutMillis) * 4));
        this.thread = Thread.ofPlatform().name("sse-redis-subscriber").daemon().unstarted(this::run);
        this.pinger = Executors.newScheduledThreadPool(2, Thread.ofPlatform().name("sse-redis-ping-", 0).daemon().factory());
    }

    /** Connects, and from then on hands everything received to {@code delivery}. */
    void start(RedisDelivery delivery) {
        this.delivery = delivery;
        thread.start();
        // Three pings per timeout: a live connection answers one well before it runs out
        long pingEvery = Math.max(1, pingTimeoutMillis / 3);
        pinger.scheduleWithFixedDelay(this::ping, pingEvery, pingEvery, TimeUnit.MILLISECONDS);
        long checkEvery = checkMillis(pingTimeoutMillis);
        pinger.scheduleWithFixedDelay(this::checkSilence, checkEvery, checkEvery, TimeUnit.MILLISECONDS);
    }

    private static long checkMillis(int pingTimeoutMillis) {
        return Math.max(1, Math.min(MAX_CHECK_MILLIS, pingTimeoutMillis / 4));
    }

    /** True while subscribed and heard from: messages published now reach this node. */
    boolean isConnected() {
        Listener l = listener;
        return l != null && !l.watch.isDead();
    }

    /** How many times the connection was re-established. */
    long reconnects() {
        return reconnects.sum();
    }

    // ---- ChannelInterest: follow exactly what local clients want

    @Override
    public void follow(List<String> names) {
        List<CompletableFuture<Void>> waits = new ArrayList<>();
        synchronized (upstream) {
            List<String> newChannels = new ArrayList<>();
            List<String> newPatterns = new ArrayList<>();
            for (String name : names) {
                if (followers.merge(name, 1, Integer::sum) == 1) {
                    (ChannelName.isPattern(name) ? newPatterns : newChannels).add(name);
                    if (ChannelName.isPattern(name)) {
                        patterns.add(name);
                    }
                }
            }
            if (listener != null) {
                send(newChannels, newPatterns);
                for (String name : names) {
                    CompletableFuture<Void> ack = pendingAcks.get(name);
                    if (ack != null) {
                        waits.add(ack);
                    }
                }
            }
        }
        // Until Redis confirms, a message published now could pass this node by
        for (CompletableFuture<Void> ack : waits) {
            try {
                ack.get(FOLLOW_WAIT_MILLIS, TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                LOG.fine(() -> "no subscribe confirmation from Redis in time: " + e);
                return;
            }
        }
    }

    @Override
    public void unfollow(List<String> names) {
        synchronized (upstream) {
            List<String> goneChannels = new ArrayList<>();
            List<String> gonePatterns = new ArrayList<>();
            for (String name : names) {
                Integer left = followers.computeIfPresent(name, (k, n) -> n == 1 ? null : n - 1);
                if (left == null) {
                    boolean pattern = ChannelName.isPattern(name);
                    (pattern ? gonePatterns : goneChannels).add(name);
                    patterns.remove(name);
                }
            }
            if (listener != null) {
                try {
                    if (!goneChannels.isEmpty()) {
                        listener.unsubscribe(goneChannels.toArray(String[]::new));
                    }
                    if (!gonePatterns.isEmpty()) {
                        listener.punsubscribe(gonePatterns.toArray(String[]::new));
                    }
                } catch (JedisException e) {
                    LOG.fine(() -> "unsubscribe failed, the reconnect will start clean: " + e);
                }
            }
        }
    }

    /** Sends SUBSCRIBE/PSUBSCRIBE on the live connection; caller holds {@link #upstream}. */
    private void send(List<String> channels, List<String> newPatterns) {
        try {
            if (!channels.isEmpty()) {
                channels.forEach(c -> pendingAcks.computeIfAbsent(c, k -> new CompletableFuture<>()));
                listener.subscribe(channels.toArray(String[]::new));
            }
            if (!newPatterns.isEmpty()) {
                newPatterns.forEach(c -> pendingAcks.computeIfAbsent(c, k -> new CompletableFuture<>()));
                listener.psubscribe(newPatterns.toArray(String[]::new));
            }
        } catch (JedisException e) {
            LOG.fine(() -> "subscribe failed, the reconnect will resubscribe: " + e);
        }
    }

    private void acknowledged(String name) {
        synchronized (upstream) {
            CompletableFuture<Void> ack = pendingAcks.remove(name);
            if (ack != null) {
                ack.complete(null);
            }
        }
    }

    // ---- The connection

    private void run() {
        long backoff = FIRST_BACKOFF_MILLIS;
        boolean everConnected = false;
        while (!closed) {
            // Every channel wanted now goes into the first SUBSCRIBE; patterns follow once it is confirmed
            List<String> initial;
            synchronized (upstream) {
                initial = new ArrayList<>();
                initial.add(CONTROL_CHANNEL);
                followers.keySet().stream().filter(n -> !ChannelName.isPattern(n)).forEach(initial::add);
            }
            Listener l = null;
            try (Jedis connection = new Jedis(endpoint.address(), endpoint.clientConfig(pingTimeoutMillis, "sse-subscriber"))) {
                l = new Listener(initial, everConnected, new SilenceWatch(connection.getConnection(), pingTimeoutMillis));
                watch = l.watch;
                connection.subscribe(l, initial.toArray(String[]::new));
            } catch (JedisException | IllegalStateException e) {
                if (closed) {
                    break;
                }
                if (l != null && l.watch.isDead()) {
                    LOG.fine(() -> "closed the silent Redis connection: " + e);
                } else if (l != null && l.wasConnected) {
                    LOG.warning("Redis connection lost (" + endpoint + "): " + e.getMessage() + "; reconnecting");
                } else if (!everConnected && backoff == FIRST_BACKOFF_MILLIS) {
                    LOG.warning("Redis unreachable at " + endpoint + ": " + e.getMessage() + "; retrying with backoff");
                }
            } catch (RuntimeException e) {
                // A bug must not end this node's Redis delivery for good: log it, reconnect
                LOG.log(Level.SEVERE, "Redis subscriber failed; reconnecting", e);
            } finally {
                disconnected();
            }
            boolean wasConnected = l != null && l.wasConnected;
            everConnected |= wasConnected;
            if (wasConnected) {
                backoff = FIRST_BACKOFF_MILLIS;
            }
            if (closed) {
                break;
            }
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                break;
            }
            backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
        }
    }

    private void disconnected() {
        watch = null;
        synchronized (upstream) {
            listener = null;
            // whoever waits for these will get its replay from the streams instead
            pendingAcks.values().forEach(f -> f.complete(null));
            pendingAcks.clear();
        }
    }

    private void ping() {
        synchronized (upstream) {
            if (listener != null) {
                try {
                    listener.ping();
                } catch (JedisException e) {
                    LOG.fine(() -> "ping failed: " + e);
                }
            }
        }
    }

    /**
     * A connection not heard from within the ping timeout is dead: closing it ends the subscriber
     * thread's read, so it reconnects. The pooled command connections probably took the same dead
     * road (their idle check would find them only one by one): they go too.
     */
    private void checkSilence() {
        long now = System.nanoTime();
        boolean paused = now - lastCheckNanos > pauseNanos;
        lastCheckNanos = now;
        if (paused) {
            // This thread did not run for a while (a long GC pause, a stopped process): nor, maybe,
            // did the subscriber thread, and a reply may be waiting unread. Judge at the next check.
            return;
        }
        try {
            SilenceWatch w = watch;
            if (w != null && w.check()) {
                LOG.warning("Redis connection silent for " + w.silentMillis() + " ms (" + endpoint
                        + ", --redis-ping-timeout " + pingTimeoutMillis + "); reconnecting");
                dropIdleCommandConnections();
            }
        } catch (RuntimeException e) {
            // a scheduled task that throws is never run again: this one must go on
            LOG.log(Level.SEVERE, "checking the Redis connection failed", e);
        }
    }

    /**
     * The pooled command connections went down with Redis; the pool's idle check would find them
     * only over the next seconds, and the first publish after we report ready must not get one.
     */
    private void dropIdleCommandConnections() {
        try {
            commands.getPool().clear();
        } catch (RuntimeException e) {
            LOG.fine(() -> "could not drop idle command connections: " + e);
        }
    }

    /**
     * The control channel's confirmation: the connection is up and every channel in its first
     * SUBSCRIBE is live. The delivery learns where this node stands first (on the first connection
     * that reads Redis, which may fail: then this connection is dropped and tried again, not
     * reported ready). Channels wanted since and all patterns are subscribed now; after a reconnect a
     * PING follows them, and its answer (Redis answers in order) says they are live too.
     */
    private void confirmed(Listener l) {
        if (l.reconnect) {
            dropIdleCommandConnections();
        }
        delivery.connected(l.reconnect);
        int patternCount;
        synchronized (upstream) {
            listener = l;
            l.wasConnected = true;
            List<String> missing = new ArrayList<>();
            for (String name : followers.keySet()) {
                if (!ChannelName.isPattern(name) && !l.initial.contains(name)) {
                    missing.add(name);
                }
            }
            send(missing, new ArrayList<>(patterns));
            patternCount = patterns.size();
            if (l.reconnect) {
                try {
                    l.ping(RESUBSCRIBED);
                } catch (JedisException e) {
                    LOG.fine(() -> "ping failed, the reconnect will try again: " + e);
                }
            }
        }
        if (l.reconnect) {
            reconnects.increment();
            LOG.warning("Redis connection restored (" + endpoint + "); resubscribed "
                    + (l.initial.size() - 1) + " channels and " + patternCount + " patterns");
        } else {
            LOG.info("connected to Redis at " + endpoint);
        }
    }

    /** The answer to the PING sent after resubscribing: everything followed is live again. */
    private void resubscribed() {
        List<String> following;
        synchronized (upstream) {
            following = List.copyOf(followers.keySet());
        }
        delivery.resubscribed(following);
    }

    /**
     * Redis sends one copy per matching subscription; the hub matches patterns itself, so one copy
     * is enough: the exact subscription's, else the first matching pattern's in {@code String} order.
     * (API messages do not need this, their id tells copies apart; raw ones have nothing else.)
     */
    private boolean firstFollowerOf(String channel, String pattern) {
        synchronized (upstream) {
            if (followers.containsKey(channel)) {
                return false;
            }
            String first = patterns.firstMatch(channel);
            return first == null || first.equals(pattern);
        }
    }

    /**
     * One connection's callbacks. Every reply counts as hearing from Redis; what handling one throws
     * is logged and the connection goes on (a payload must not be able to end it), except a failed
     * confirmation, which ends this connection attempt on purpose.
     */
    private final class Listener extends JedisPubSub {
        final Set<String> initial;
        final boolean reconnect;
        final SilenceWatch watch;
        volatile boolean wasConnected;

        Listener(List<String> initial, boolean reconnect, SilenceWatch watch) {
            this.initial = new HashSet<>(initial);
            this.reconnect = reconnect;
            this.watch = watch;
        }

        @Override
        public void onSubscribe(String channel, int count) {
            watch.heard();
            try {
                if (CONTROL_CHANNEL.equals(channel)) {
                    confirmed(this);
                } else {
                    acknowledged(channel);
                }
            } finally {
                watch.handled();
            }
        }

        @Override
        public void onPSubscribe(String pattern, int count) {
            watch.heard();
            try {
                acknowledged(pattern);
            } finally {
                watch.handled();
            }
        }

        @Override
        public void onUnsubscribe(String channel, int count) {
            watch.heard();
            watch.handled();
        }

        @Override
        public void onPUnsubscribe(String pattern, int count) {
            watch.heard();
            watch.handled();
        }

        @Override
        public void onPong(String argument) {
            handle("catching up after the reconnect failed", () -> {
                if (RESUBSCRIBED.equals(argument)) {
                    resubscribed();
                }
            });
        }

        @Override
        public void onMessage(String channel, String message) {
            handle("a message from Redis could not be handled", () -> delivery.message(channel, message, true));
        }

        @Override
        public void onPMessage(String pattern, String channel, String message) {
            handle("a message from Redis could not be handled",
                    () -> delivery.message(channel, message, firstFollowerOf(channel, pattern)));
        }

        /**
         * Redis was heard from; what it said is handled without letting a failure end the
         * connection's thread (a bug must not deafen the node: it is logged, delivery goes on).
         */
        private void handle(String failure, Runnable work) {
            watch.heard();
            try {
                work.run();
            } catch (RuntimeException e) {
                LOG.log(Level.SEVERE, failure, e);
            } finally {
                watch.handled();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        pinger.shutdownNow();
        synchronized (upstream) {
            if (listener != null) {
                try {
                    listener.unsubscribe();
                    listener.punsubscribe();
                } catch (JedisException e) {
                    // closing anyway
                }
            }
        }
        thread.interrupt();
        try {
            thread.join(1000);
            SilenceWatch w = watch;
            if (thread.isAlive() && w != null) {
                w.close(); // the unsubscribe went unanswered: a silent connection
                thread.join(1000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
