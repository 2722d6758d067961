package io.ssebroadcaster.broker;

import io.ssebroadcaster.delivery.EventStreamCodec;
import io.ssebroadcaster.history.RedisStreams;
import io.ssebroadcaster.hub.ChannelInterest;
import io.ssebroadcaster.hub.ChannelName;
import io.ssebroadcaster.hub.Event;
import io.ssebroadcaster.hub.EventId;
import io.ssebroadcaster.hub.Hub;
import io.ssebroadcaster.hub.HubOverloadedException;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.resps.StreamEntry;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The Redis broker: every node publishes through Redis and hears every publish there, so nodes
 * behind a load balancer act as one hub, and {@code redis-cli PUBLISH} reaches browsers.
 *
 * <p>One subscriber connection per node follows exactly the channels and patterns its clients
 * want. If it drops (Redis restarting, a network fault) a dedicated thread reconnects with capped
 * backoff, subscribes to everything again, and reads from the streams whatever API messages were
 * published while it was away. API publishes run one Lua script ({@code publish.lua}) that numbers,
 * stores and publishes the message atomically, so the stream entry id is the event id on every node.
 */
public final class RedisBroker implements Broker, ChannelInterest {

    private static final Logger LOG = Logger.getLogger(RedisBroker.class.getName());
    /** Always subscribed, so the connection has a subscription before any client arrives. */
    static final String CONTROL_CHANNEL = "sse:control";
    private static final String SCRIPT = loadScript();
    private static final long FOLLOW_WAIT_MILLIS = 2000;
    private static final long MAX_BACKOFF_MILLIS = 5000;

    private final RedisEndpoint endpoint;
    private final JedisPooled commands;
    private final int historySize;
    private final long historyTtlMillis;

    // Upstream subscriptions: how many local subscriptions want each channel or pattern
    private final Object upstream = new Object();
    private final Map<String, Integer> followers = new HashMap<>();
    private final TreeSet<String> patterns = new TreeSet<>();
    private final Map<String, CompletableFuture<Void>> pendingAcks = new HashMap<>();
    private Listener listener;

    private final Thread subscriberThread;
    private final ScheduledExecutorService pinger;
    private final LongAdder reconnects = new LongAdder();
    private volatile boolean connected;
    private volatile boolean closed;
    private volatile Hub hub;

    // Touched only by the subscriber thread
    private EventId lastApiId = EventId.ZERO;
    private final Set<String> channelsAtLastApiId = new HashSet<>();
    /** Raw publishes are numbered {@code rawBase.1, rawBase.2, ...}: after the last API id known here. */
    private EventId rawBase = EventId.ZERO;
    private long localCount;

    public RedisBroker(RedisEndpoint endpoint, JedisPooled commands, int historySize, long historyTtlMillis) {
        this.endpoint = endpoint;
        this.commands = commands;
        this.historySize = historySize;
        this.historyTtlMillis = historyTtlMillis;
        this.subscriberThread = Thread.ofPlatform().name("sse-redis-subscriber").daemon().unstarted(this::subscribeLoop);
        this.pinger = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("sse-redis-ping").daemon().factory());
    }

    private static String loadScript() {
        try (InputStream in = RedisBroker.class.getResourceAsStream("publish.lua")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public ChannelInterest interest() {
        return this;
    }

    @Override
    public void start(Hub hub) {
        this.hub = hub;
        subscriberThread.start();
        pinger.scheduleWithFixedDelay(this::ping, 5, 5, TimeUnit.SECONDS);
    }

    @Override
    public EventId publish(Publication p) {
        hub.admit();
        List<String> keys = new ArrayList<>(2 * p.channels().size() + 1);
        keys.add(RedisStreams.LAST_ID_KEY);
        for (String channel : p.channels()) {
            keys.add(RedisStreams.key(channel));
        }
        for (String channel : p.channels()) {
            keys.add(RedisStreams.floorKey(channel));
        }
        List<String> args = new ArrayList<>(p.channels().size() + 5);
        args.add(Integer.toString(historySize));
        args.add(Long.toString(historyTtlMillis));
        args.add(RedisEnvelope.PREFIX);
        args.add(p.type() == null ? "" : p.type());
        args.add(p.data());
        args.addAll(p.channels());
        try {
            return EventId.parse((String) commands.eval(SCRIPT, keys, args));
        } catch (JedisException e) {
            throw new BrokerUnavailableException("Redis is unavailable, message not published: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean isReady() {
        return connected;
    }

    /** How many times the subscriber connection was re-established. */
    public long reconnects() {
        return reconnects.sum();
    }

    @Override
    public String name() {
        return "redis " + endpoint;
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

    // ---- The subscriber connection

    private void subscribeLoop() {
        long backoff = 100;
        boolean everConnected = false;
        while (!closed) {
            List<String> initial;
            synchronized (upstream) {
                initial = new ArrayList<>();
                initial.add(CONTROL_CHANNEL);
                followers.keySet().stream().filter(n -> !ChannelName.isPattern(n)).forEach(initial::add);
            }
            Listener l = new Listener(initial, everConnected);
            try (Jedis connection = new Jedis(endpoint.address(), endpoint.clientConfig(15_000, "sse-subscriber"))) {
                connection.subscribe(l, initial.toArray(String[]::new));
            } catch (JedisException | IllegalStateException e) {
                if (closed) {
                    break;
                }
                if (l.wasConnected) {
                    LOG.warning("Redis connection lost (" + endpoint + "): " + e.getMessage() + "; reconnecting");
                } else if (!everConnected && backoff == 100) {
                    LOG.warning("Redis unreachable at " + endpoint + ": " + e.getMessage() + "; retrying with backoff");
                }
            } finally {
                disconnected();
            }
            everConnected |= l.wasConnected;
            if (l.wasConnected) {
                backoff = 100;
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

    private final class Listener extends JedisPubSub {
        private final Set<String> initial;
        private final boolean reconnect;
        volatile boolean wasConnected;

        Listener(List<String> initial, boolean reconnect) {
            this.initial = new HashSet<>(initial);
            this.reconnect = reconnect;
        }

        @Override
        public void onSubscribe(String channel, int count) {
            if (!CONTROL_CHANNEL.equals(channel)) {
                acknowledged(channel);
                return;
            }
            // The first confirmation: every channel of the initial SUBSCRIBE is live now
            synchronized (upstream) {
                listener = this;
                if (reconnect) {
                    dropIdleCommandConnections();
                }
                connected = true;
                wasConnected = true;
                List<String> missing = new ArrayList<>();
                for (String name : followers.keySet()) {
                    if (!ChannelName.isPattern(name) && !initial.contains(name)) {
                        missing.add(name);
                    }
                }
                send(missing, new ArrayList<>(patterns));
            }
            if (rawBase.equals(EventId.ZERO)) {
                startRawNumberingAtLastIssuedId();
            }
            if (reconnect) {
                reconnects.increment();
                LOG.warning("Redis connection restored (" + endpoint + "); resubscribed "
                        + (initial.size() - 1) + " channels and " + patterns.size() + " patterns");
                catchUp(initial);
            } else {
                LOG.info("connected to Redis at " + endpoint);
            }
        }

        @Override
        public void onPSubscribe(String pattern, int count) {
            acknowledged(pattern);
        }

        @Override
        public void onMessage(String channel, String message) {
            receive(channel, message);
        }

        @Override
        public void onPMessage(String pattern, String channel, String message) {
            if (firstFollowerOf(channel, pattern)) {
                receive(channel, message);
            }
        }
    }

    /**
     * Redis sends one copy per matching subscription; the hub matches patterns itself, so only one
     * copy may pass: the exact subscription's, else the first matching pattern's.
     */
    private boolean firstFollowerOf(String channel, String pattern) {
        synchronized (upstream) {
            if (followers.containsKey(channel)) {
                return false;
            }
            for (String p : patterns) {
                if (ChannelName.matches(p, channel)) {
                    return p.equals(pattern);
                }
            }
            return true;
        }
    }

    /** So raw ids sort after every API id issued before this node started. Subscriber thread only. */
    private void startRawNumberingAtLastIssuedId() {
        try {
            String last = commands.get(RedisStreams.LAST_ID_KEY);
            if (last != null) {
                rawBase = EventId.parse(last);
            }
        } catch (JedisException | IllegalArgumentException e) {
            LOG.fine(() -> "could not read the last issued id: " + e);
        }
    }

    /** Subscriber thread only. */
    private void receive(String channel, String payload) {
        RedisEnvelope.Parsed api = RedisEnvelope.parse(payload);
        if (api != null) {
            receiveApi(EventStreamCodec.event(EventId.parse(api.id()), List.of(channel), api.type(), api.data()));
        } else {
            // A raw PUBLISH: numbered after the last API message this node knows of
            deliver(EventStreamCodec.event(rawBase.withLocal(++localCount), List.of(channel), null, payload));
        }
    }

    /** Subscriber thread only. API messages arrive in id order; a repeat is one we already delivered. */
    private void receiveApi(Event event) {
        String channel = event.channels().get(0);
        int c = event.id().compareTo(lastApiId);
        if (c < 0 || c == 0 && !channelsAtLastApiId.add(channel)) {
            return;
        }
        if (c > 0) {
            lastApiId = event.id();
            channelsAtLastApiId.clear();
            channelsAtLastApiId.add(channel);
        }
        if (event.id().isAfter(rawBase)) {
            rawBase = event.id();
            localCount = 0;
        }
        deliver(event);
    }

    private void deliver(Event event) {
        try {
            hub.deliver(event);
        } catch (HubOverloadedException e) {
            LOG.warning("dropped a message from Redis: " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "failed to deliver a message from Redis", e);
        }
    }

    /** After a reconnect: API messages published while we were away, from the streams, in id order. */
    private void catchUp(Set<String> channels) {
        if (lastApiId.equals(EventId.ZERO) || historySize == 0) {
            return;
        }
        List<Event> missed = new ArrayList<>();
        StreamEntryID from = new StreamEntryID(lastApiId.millis(), lastApiId.sequence());
        try {
            for (String channel : channels) {
                if (!CONTROL_CHANNEL.equals(channel)) {
                    for (StreamEntry entry : commands.xrange(RedisStreams.key(channel), from, (StreamEntryID) null, historySize)) {
                        missed.add(RedisStreams.toEvent(channel, entry));
                    }
                }
            }
        } catch (JedisException e) {
            LOG.warning("could not read missed messages from Redis: " + e.getMessage());
            return;
        }
        missed.sort(Comparator.comparing(Event::id));
        missed.forEach(this::receiveApi);
        if (!missed.isEmpty()) {
            LOG.info("caught up on messages published while the Redis connection was down");
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
        subscriberThread.interrupt();
        try {
            subscriberThread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        commands.close();
    }
}
