package io.ssebroadcaster.redis;

import io.ssebroadcaster.hub.ChannelInterest;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.util.SafeEncoder;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The node's sharded pub/sub on a Redis Cluster: one connection per master that owns a channel this
 * node's clients follow (not one per channel), each {@code SSUBSCRIBE}d to exactly those channels,
 * so a channel's messages come only from the shard that owns it, and only to nodes that want them.
 *
 * <p>Each connection has a thread that reads it ({@link Shard}). When one is lost (its master
 * failed, the network) or a shard says a channel left it ({@code SUNSUBSCRIBE} pushed when its slot
 * moved), the slot map is read again and each channel is followed wherever it lives now; the
 * {@link ClusterDelivery} then reads what the channel got meanwhile, before anything newer. A
 * connection silent for the ping timeout is closed, which does the same. jedis' own sharded pub/sub
 * cannot ping, and stops reading when its last channel goes, so the protocol is spoken here.
 */
final class ShardedSubscriber implements ChannelInterest, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ShardedSubscriber.class.getName());
    private static final long FOLLOW_WAIT_MILLIS = 2000;
    private static final long FIRST_BACKOFF_MILLIS = 100;
    private static final long MAX_BACKOFF_MILLIS = 2000;

    private final ClusterClient cluster;
    private final JedisClientConfig config;
    /** Silent this long, a shard connection is dead (see {@link SilenceWatch}). */
    private final int pingTimeoutMillis;
    private final ScheduledExecutorService pinger;

    private final Object lock = new Object();
    /** Guarded by {@link #lock}, as are the maps below: how many local subscriptions want each channel. */
    private final Map<String, Integer> followers = new HashMap<>();
    private final Map<String, Shard> homes = new HashMap<>();
    private final Map<HostAndPort, Shard> shards = new HashMap<>();
    /** Completed once the shard confirmed the channel and the hub knows where it stands in it. */
    private final Map<String, CompletableFuture<Void>> pending = new HashMap<>();
    private volatile ClusterDelivery delivery;
    private volatile boolean closed;

    ShardedSubscriber(ClusterClient cluster, JedisClientConfig config, int pingTimeoutMillis) {
        this.cluster = cluster;
        this.config = config;
        this.pingTimeoutMillis = pingTimeoutMillis;
        this.pinger = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("sse-redis-shard-ping").daemon().factory());
        long every = Math.max(1, pingTimeoutMillis / 3);
        pinger.scheduleWithFixedDelay(this::ping, every, every, TimeUnit.MILLISECONDS);
    }

    void start(ClusterDelivery delivery) {
        this.delivery = delivery;
    }

    /** True while every shard this node needs is connected and heard from. */
    boolean isConnected() {
        synchronized (lock) {
            for (Shard s : shards.values()) {
                if (!s.channels.isEmpty() && !s.live()) {
                    return false;
                }
            }
            return !closed && homes.size() == followers.size() && cluster.knowsSlots();
        }
    }

    /** How many shard connections this node holds now. */
    int connections() {
        synchronized (lock) {
            return (int) shards.values().stream().filter(Shard::live).count();
        }
    }

    @Override
    public void follow(List<String> channels) {
        List<CompletableFuture<Void>> waits = new ArrayList<>();
        synchronized (lock) {
            for (String c : channels) {
                if (followers.merge(c, 1, Integer::sum) == 1) {
                    pending.put(c, new CompletableFuture<>());
                    home(c);
                }
                CompletableFuture<Void> f = pending.get(c);
                if (f != null) {
                    waits.add(f);
                }
            }
        }
        // Until the shard confirms, a message published now could pass this node by; the hub
        // refuses the subscriber if it did not (it does not know where it stands in the channel)
        for (CompletableFuture<Void> f : waits) {
            try {
                f.get(FOLLOW_WAIT_MILLIS, TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                LOG.fine(() -> "no subscribe confirmation from Redis in time: " + e);
                return;
            }
        }
    }

    @Override
    public void unfollow(List<String> channels) {
        synchronized (lock) {
            for (String c : channels) {
                Integer left = followers.computeIfPresent(c, (k, n) -> n == 1 ? null : n - 1);
                if (left == null) {
                    Shard s = homes.remove(c);
                    if (s != null) {
                        s.channels.remove(c);
                        s.send(Protocol.Command.SUNSUBSCRIBE, c);
                    }
                    CompletableFuture<Void> f = pending.remove(c);
                    if (f != null) {
                        f.complete(null);
                    }
                    delivery.forget(c);
                }
            }
        }
    }

    /** Follows {@code channel} on the shard that owns it now; caller holds {@link #lock}. */
    private void home(String channel) {
        HostAndPort owner;
        try {
            owner = cluster.ownerOf(channel);
        } catch (JedisException e) {
            owner = null;
        }
        if (owner == null) {
            LOG.warning("no master known for channel '" + channel + "'; trying again when the slot map is read");
            return;
        }
        Shard shard = shards.computeIfAbsent(owner, Shard::new);
        homes.put(channel, shard);
        shard.channels.add(channel);
        shard.send(Protocol.Command.SSUBSCRIBE, channel);
    }

    /** After a shard was lost or a channel left one: reads the slot map and follows each channel where it is. */
    private void rehome(Set<String> channels) {
        try {
            cluster.refreshSlots();
        } catch (JedisException e) {
            LOG.fine(() -> "slot map not read: " + e.getMessage());
        }
        synchronized (lock) {
            for (String c : channels) {
                if (!followers.containsKey(c)) {
                    continue;
                }
                Shard was = homes.remove(c);
                if (was != null) {
                    was.channels.remove(c);
                }
                home(c);
            }
            // channels whose master was unknown before
            for (String c : followers.keySet()) {
                if (!homes.containsKey(c)) {
                    home(c);
                }
            }
        }
    }

    private void ping() {
        List<Shard> all;
        boolean homeless;
        synchronized (lock) {
            all = List.copyOf(shards.values());
            homeless = homes.size() < followers.size() || !cluster.knowsSlots();
        }
        if (homeless) {
            rehome(Set.of()); // the cluster was unreachable, or a slot had no master: try the map again
        }
        for (Shard s : all) {
            SilenceWatch w = s.watch;
            if (s.connection != null && w != null) {
                if (w.check()) {
                    LOG.warning("Redis shard " + s.address + " silent for the ping timeout: reconnecting");
                } else {
                    s.send(Protocol.Command.PING);
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        pinger.shutdownNow();
        synchronized (lock) {
            shards.values().forEach(Shard::drop);
        }
    }

    /** One master's connection and the thread that reads it. */
    private final class Shard {
        private final HostAndPort address;
        /** Guarded by the subscriber's lock: the channels followed here. */
        private final Set<String> channels = new LinkedHashSet<>();
        private volatile Connection connection;
        /** The current connection attempt's watch, from before its first command. */
        private volatile SilenceWatch watch;

        Shard(HostAndPort address) {
            this.address = address;
            Thread.ofPlatform().name("sse-redis-shard-" + address).daemon().start(this::run);
        }

        boolean live() {
            SilenceWatch w = watch;
            return connection != null && w != null && !w.isDead();
        }

        /** Sends a command if connected; if not, connecting will send what is needed. */
        void send(Protocol.Command command, String... args) {
            Connection c = connection;
            if (c == null) {
                return;
            }
            synchronized (this) {
                try {
                    c.sendCommand(new CommandArguments(command).addObjects((Object[]) args));
                    c.getMany(0); // flushes, reads nothing (flush() is not public)
                } catch (JedisException e) {
                    LOG.fine(() -> "write to Redis shard " + address + " failed: " + e.getMessage());
                }
            }
        }

        void drop() {
            SilenceWatch w = watch;
            if (w != null) {
                w.close();
            }
        }

        private void run() {
            long backoff = FIRST_BACKOFF_MILLIS;
            while (!closed) {
                Connection c = null;
                try {
                    c = new Connection(address, config); // connects (and authenticates) here
                    c.setTimeoutInfinite();
                    watch = new SilenceWatch(c, pingTimeoutMillis);
                    synchronized (lock) {
                        connection = c;
                        for (String channel : channels) {
                            send(Protocol.Command.SSUBSCRIBE, channel);
                        }
                    }
                    backoff = FIRST_BACKOFF_MILLIS;
                    read(c);
                } catch (RuntimeException e) { // Redis, or anything a message made go wrong
                    if (!closed) {
                        // once per loss, not once per attempt to reconnect
                        LOG.log(connection != null ? Level.WARNING : Level.FINE, "Redis shard " + address + " lost: "
                                + e.getMessage());
                    }
                } finally {
                    connection = null;
                    if (c != null) {
                        c.close();
                    }
                }
                if (closed) {
                    return;
                }
                Set<String> here;
                synchronized (lock) {
                    here = new LinkedHashSet<>(channels);
                }
                rehome(here);
                synchronized (lock) {
                    if (channels.isEmpty() && shards.get(address) == this) {
                        shards.remove(address); // nothing lives here now (a failed master): let it go
                        return;
                    }
                }
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException e) {
                    return;
                }
                backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
            }
        }

        private void read(Connection c) {
            while (!closed) {
                Object reply = c.getUnflushedObject();
                SilenceWatch w = watch;
                w.heard(); // handling a reply (a long catch-up, say) is not the connection's silence
                try {
                    handleReply(reply);
                } finally {
                    w.handled();
                }
            }
        }

        private void handleReply(Object reply) {
            if (!(reply instanceof List<?> parts) || parts.isEmpty() || !(parts.get(0) instanceof byte[] kind)) {
                return; // "PONG" outside subscribed mode, and the like
            }
            String type = SafeEncoder.encode(kind);
            String channel = parts.size() > 1 && parts.get(1) instanceof byte[] b ? SafeEncoder.encode(b) : null;
            switch (type) {
                case "smessage" -> {
                    if (parts.size() > 2 && parts.get(2) instanceof byte[] payload) {
                        handle(() -> delivery.message(channel, SafeEncoder.encode(payload)));
                    }
                }
                case "ssubscribe" -> confirmed(channel);
                case "sunsubscribe" -> left(channel);
                default -> { } // pong
            }
        }

        private void confirmed(String channel) {
            synchronized (lock) {
                if (homes.get(channel) != this) {
                    return; // unfollowed (or moved) meanwhile
                }
            }
            delivery.subscribed(channel); // a JedisException drops the connection: all is confirmed again
            synchronized (lock) {
                CompletableFuture<Void> f = pending.remove(channel);
                if (f != null) {
                    f.complete(null);
                }
            }
        }

        /** Redis took the channel away (its slot moved): follow it where it went. */
        private void left(String channel) {
            boolean moved;
            synchronized (lock) {
                moved = homes.get(channel) == this;
            }
            if (moved) {
                LOG.info("channel '" + channel + "' left Redis shard " + address + "; following it where it is now");
                rehome(Set.of(channel));
            }
        }

        private void handle(Runnable r) {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.log(Level.SEVERE, "a message from Redis shard " + address + " could not be handled", e);
            }
        }
    }
}
