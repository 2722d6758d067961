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
 * read what was missed from the streams. Other threads change the subscriptions on the live
 * connection under {@link #upstream}; a new local subscriber waits (bounded) for Redis to confirm,
 * because a message published before the confirmation would pass this node by.
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
    /** Blocking reads on the subscriber connection end after this; the pings keep it busier than that. */
    private static final int SOCKET_TIMEOUT_MILLIS = 15_000;

    private final RedisEndpoint endpoint;
    private final JedisPooled commands;

    // What local subscriptions want upstream: how many want each channel or pattern
    private final Object upstream = new Object();
    private final Map<String, Integer> followers = new HashMap<>();
    /** The patterns among them, filed so a message's channel finds its matches without trying them all. */
    private final PatternIndex patterns = new PatternIndex();
    private final Map<String, CompletableFuture<Void>> pendingAcks = new HashMap<>();
    /** The live connection's listener (guarded by {@link #upstream}), null while disconnected. */
    private Listener listener;

    private final Thread thread;
    private final ScheduledExecutorService pinger;
    private final LongAdder reconnects = new LongAdder();
    private volatile boolean connected;
    private volatile boolean closed;
    private volatile RedisDelivery delivery;

    RedisSubscriber(RedisEndpoint endpoint, JedisPooled commands) {
        this.endpoint = endpoint;
        this.commands = commands;
        this.thread = Thread.ofPlatform().name("sse-redis-subscriber").daemon().unstarted(this::run);
        this.pinger = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("sse-redis-ping").daemon().factory());
    }

    /** Connects, and from then on hands everything received to {@code delivery}. */
    void start(RedisDelivery delivery) {
        this.delivery = delivery;
        thread.start();
        // Keeps idle connections alive through NATs and lets a dead one fail within the socket timeout
        pinger.scheduleWithFixedDelay(this::ping, 5, 5, TimeUnit.SECONDS);
    }

    /** True while subscribed: messages published now reach this node. */
    boolean isConnected() {
        return connected;
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
            Listener l = new Listener(initial, everConnected);
            try (Jedis connection = new Jedis(endpoint.address(), endpoint.clientConfig(SOCKET_TIMEOUT_MILLIS, "sse-subscriber"))) {
                connection.subscribe(l, initial.toArray(String[]::new));
            } catch (JedisException | IllegalStateException e) {
                if (closed) {
                    break;
                }
                if (l.wasConnected) {
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
            everConnected |= l.wasConnected;
            if (l.wasConnected) {
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
        synchronized (upstream) {
            listener = null;
            connected = false;
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
     * The pooled command connections went down with Redis; the pool's idle check would find them
     * only over the next seconds, and the first publish after we report ready must not get one.
     */
    private void dropIdleCommandConnections() {
        commands.getPool().clear();
    }

    /**
     * The control channel's confirmation: the connection is up and every channel in its first
     * SUBSCRIBE is live. Channels wanted since and all patterns are subscribed now; after a
     * reconnect a PING follows them, and its answer (Redis answers in order) says they are live too.
     */
    private void confirmed(Listener l) {
        int patternCount;
        synchronized (upstream) {
            listener = l;
            if (l.reconnect) {
                dropIdleCommandConnections();
            }
            connected = true;
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
        delivery.connected(l.reconnect);
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

    private final class Listener extends JedisPubSub {
        final Set<String> initial;
        final boolean reconnect;
        volatile boolean wasConnected;

        Listener(List<String> initial, boolean reconnect) {
            this.initial = new HashSet<>(initial);
            this.reconnect = reconnect;
        }

        @Override
        public void onSubscribe(String channel, int count) {
            if (CONTROL_CHANNEL.equals(channel)) {
                confirmed(this);
            } else {
                acknowledged(channel);
            }
        }

        @Override
        public void onPSubscribe(String pattern, int count) {
            acknowledged(pattern);
        }

        @Override
        public void onPong(String argument) {
            if (RESUBSCRIBED.equals(argument)) {
                resubscribed();
            }
        }

        @Override
        public void onMessage(String channel, String message) {
            delivery.message(channel, message, true);
        }

        @Override
        public void onPMessage(String pattern, String channel, String message) {
            delivery.message(channel, message, firstFollowerOf(channel, pattern));
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
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
