package io.ssebroadcaster;

import io.helidon.common.configurable.Resource;
import io.helidon.common.pki.Keys;
import io.helidon.common.socket.SocketOptions;
import io.helidon.common.tls.Tls;
import io.helidon.webserver.ListenerConfig;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.http2.Http2Config;
import io.ssebroadcaster.broker.Broker;
import io.ssebroadcaster.broker.IdempotencyKeys;
import io.ssebroadcaster.broker.MemoryBroker;
import io.ssebroadcaster.config.Settings;
import io.ssebroadcaster.delivery.EventStreamCodec;
import io.ssebroadcaster.delivery.EventStreams;
import io.ssebroadcaster.delivery.Refusals;
import io.ssebroadcaster.history.MemoryHistory;
import io.ssebroadcaster.http.ConnectionGate;
import io.ssebroadcaster.http.ConnectionLimiter;
import io.ssebroadcaster.http.GateSocketOptions;
import io.ssebroadcaster.http.ErrorMapper;
import io.ssebroadcaster.http.HeaderSizeLimit;
import io.ssebroadcaster.http.Routes;
import io.ssebroadcaster.hub.ChannelInterest;
import io.ssebroadcaster.hub.EventIdGenerator;
import io.ssebroadcaster.hub.History;
import io.ssebroadcaster.hub.Hub;
import io.ssebroadcaster.hub.PatternLimits;
import io.ssebroadcaster.hub.ReplayLimit;
import io.ssebroadcaster.observe.GraphiteExporter;
import io.ssebroadcaster.observe.Observability;
import io.ssebroadcaster.redis.ClusterBroker;
import io.ssebroadcaster.redis.ClusterClient;
import io.ssebroadcaster.redis.ClusterEndpoint;
import io.ssebroadcaster.redis.RedisBroker;
import io.ssebroadcaster.redis.RedisEndpoint;
import io.ssebroadcaster.redis.RedisHistory;
import redis.clients.jedis.JedisPooled;

import com.sun.management.UnixOperatingSystemMXBean;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import java.util.logging.Logger;

/**
 * The assembled server: history, broker and hub built from {@link Settings}, served by Helidon.
 * {@link Main} runs one; tests start as many as they need on free ports.
 */
public final class SseBroadcaster implements AutoCloseable {

    /** Extra sockets beyond {@code max-connections} for publishers, stats and static files. */
    private static final int SPARE_CONNECTIONS = 256;
    /** File descriptors kept for everything that is not a client socket. */
    private static final int FD_RESERVE = 256;
    /** Helidon's default is 4 KiB per connection; idle streams need none of it. */
    private static final int WRITE_BUFFER_BYTES = 512;
    /** Connections waiting to be accepted (Helidon's default is 1,024). */
    private static final int LISTEN_BACKLOG = 8192;

    private final Settings settings;
    private final Hub hub;
    private final EventStreams streams;
    private final Refusals refusals;
    private final Broker broker;
    private final ConnectionLimiter connections;
    private final int tcpConnections;
    private final Observability observability = new Observability();
    private final GraphiteExporter graphite;
    /** One per listener: request deadlines and room for requests when sockets run short. */
    private final List<ConnectionGate> gates = new CopyOnWriteArrayList<>();
    private WebServer server;
    private volatile boolean closed;

    private SseBroadcaster(Settings settings, UnaryOperator<Broker> decorate) {
        this.settings = settings;
        EventIdGenerator ids = new EventIdGenerator();
        MemoryHistory memory = new MemoryHistory(settings.historySize(), settings.historyTtl().toMillis(),
                settings.historyMaxBytes(), ids.last());
        History history;
        if (settings.onRedisCluster()) {
            ClusterEndpoint endpoint = ClusterEndpoint.from(settings);
            ClusterClient cluster = endpoint.commandClient();
            RedisBroker.Limits limits = redisLimits(settings);
            // Each channel's stream is its history; raw SPUBLISHes are not replayed, so nothing is kept here
            MemoryHistory none = new MemoryHistory(0, 0, 0, ids.last());
            history = RedisHistory.onCluster(none, cluster, settings.historySize(), limits.keyLifeMillis());
            this.broker = decorate.apply(new ClusterBroker(cluster, endpoint.pubsubConfig(), limits,
                    (int) settings.redisPingTimeout().toMillis(), settings.maxMessageBytes(), endpoint.toString()));
        } else if (settings.broker() == Settings.BrokerKind.REDIS) {
            RedisEndpoint endpoint = RedisEndpoint.from(settings);
            JedisPooled commands = endpoint.commandClient();
            // --history-max-bytes bounds each channel's stream too: Redis memory is the operator's, but
            // one busy channel should not take it all
            RedisBroker.Limits limits = redisLimits(settings);
            // The history's "a missing stream may have expired" check needs how long keys live, which
            // with --history-ttl 0 is the idle expiry
            history = new RedisHistory(memory, commands, settings.historySize(), limits.keyLifeMillis());
            this.broker = decorate.apply(new RedisBroker(endpoint, commands, limits,
                    (int) settings.redisPingTimeout().toMillis(), settings.maxMessageBytes()));
        } else {
            history = memory;
            this.broker = decorate.apply(new MemoryBroker(ids,
                    new IdempotencyKeys(settings.idempotency().window(), settings.idempotency().maxKeys())));
        }
        this.tcpConnections = tcpConnectionCap(settings.maxConnections());
        this.connections = new ConnectionLimiter(Math.min(settings.maxConnections(), tcpConnections - SPARE_CONNECTIONS));
        this.refusals = new Refusals(settings.refusalRetry().minMillis(), settings.refusalRetry().maxMillis());
        this.streams = new EventStreams(refusals, settings.retry(), settings.pollTimeout());
        // Patterns are capped before the broker follows them (with Redis, each is a PSUBSCRIBE)
        ChannelInterest interest = new PatternLimits(settings.maxPatterns(), settings.maxNodePatterns(), broker.interest(),
                settings.onRedisCluster());
        this.hub = new Hub(history, interest, streams.backlog(),
                new Hub.Limits(settings.queueLimit(), settings.heartbeat(), settings.maxBacklog(),
                        new ReplayLimit(settings.maxReplayEvents(), settings.maxReplayBytes())),
                EventStreamCodec.HEARTBEAT, ids.last(), observability::recordFanOut,
                settings.onRedisCluster() ? EventStreamCodec.ID_STAMPER : null);
        streams.bind(hub);
        broker.start(hub);
        observability.watch(hub, broker, refusals);
        this.graphite = settings.export().graphite() ? new GraphiteExporter(hub, settings.export()) : null;
    }

    private static RedisBroker.Limits redisLimits(Settings settings) {
        return new RedisBroker.Limits(settings.historySize(), settings.historyTtl().toMillis(),
                settings.historyMaxBytes(), settings.historyIdleExpiry().toMillis(),
                settings.idempotency().window().toMillis());
    }

    /**
     * Sockets Helidon may accept: {@code max-connections} plus spares, but never so many that the
     * process runs out of file descriptors, because then Helidon's listener stops accepting for good.
     */
    private static int tcpConnectionCap(int maxConnections) {
        int wanted = maxConnections + SPARE_CONNECTIONS;
        long fdLimit = ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix
                ? unix.getMaxFileDescriptorCount() : -1;
        long room = fdLimit - FD_RESERVE; // jars, Redis, logs, epoll and the like
        if (fdLimit > 0 && wanted > room) {
            int capped = (int) Math.max(SPARE_CONNECTIONS + 1, room);
            Logger.getLogger(SseBroadcaster.class.getName()).warning("open-file limit is " + fdLimit
                    + ": accepting at most " + capped + " sockets and " + (capped - SPARE_CONNECTIONS)
                    + " streams instead of --max-connections " + maxConnections + " (raise ulimit -n)");
            return capped;
        }
        return wanted;
    }

    public static SseBroadcaster create(Settings settings) {
        return new SseBroadcaster(settings, UnaryOperator.identity());
    }

    /**
     * As {@link #create(Settings)}, with the broker wrapped by {@code decorate}: for tests that make
     * publishing fail at a chosen moment, and for embedders that count or trace publishes.
     */
    public static SseBroadcaster create(Settings settings, UnaryOperator<Broker> decorate) {
        return new SseBroadcaster(settings, decorate);
    }

    /** Routing, listener limits and any HTTPS listener; the default listener's host and port are left to the caller. */
    public void configure(WebServerConfig.Builder builder) {
        builder.shutdownHook(false).addFeature(observability.feature(broker));
        listener(builder, settings.tls().only());
        if (settings.tls().enabled() && !settings.tls().only()) {
            builder.putSocket("https", socket -> listener(socket.host(settings.listen()).port(settings.tls().port())
                    .tls(tls(settings.tls())), true));
        }
    }

    /**
     * What every listener shares. HTTP/2 only where TLS negotiates it: browsers never speak cleartext
     * HTTP/2, and clients that upgrade to it (h2c) would get streams that Helidon holds back.
     */
    private <B extends ListenerConfig.BuilderBase<B, ?>> B listener(B listener, boolean http2) {
        if (http2) {
            listener.addProtocol(Http2Config.create());
        }
        Settings.RequestTimeouts timeouts = settings.requestTimeouts();
        ConnectionGate gate = new ConnectionGate(tcpConnections, timeouts.head(), timeouts.keepAlive(), timeouts.body());
        gates.add(gate);
        return listener
                .protocolsDiscoverServices(false)
                .maxTcpConnections(tcpConnections)
                // Browsers that lost their network together come back together: queue their connects
                // (the kernel caps this at net.core.somaxconn) rather than drop SYNs, which a client
                // retries only after 1, 3, 7, 15 s
                .backlog(LISTEN_BACKLOG)
                // Tells the gate of each accepted socket; Helidon has no read timeout on them of its own
                .connectionOptions(new GateSocketOptions(SocketOptions.builder().build(), gate))
                // Above 0 Helidon writes on its own thread and swallows write errors, so dead clients would go unnoticed
                .writeQueueLength(0)
                // Each open stream holds one write buffer; events leave in one write anyway (see EventBatch)
                .writeBufferSize(WRITE_BUFFER_BYTES)
                .directHandlers(ErrorMapper.protocolErrors(() -> closed, refusals))
                .addProtocol(Http1Config.builder()
                        .maxPrologueLength(HeaderSizeLimit.MAX_REQUEST_LINE_BYTES)
                        .maxHeadersSize(HeaderSizeLimit.PARSER_MAX_HEADER_BYTES)
                        .addReceiveListener(gate.receiveListener())
                        .addSendListener(gate.sendListener())
                        .build())
                .routing(routing -> Routes.configure(routing, hub, streams, refusals, broker, settings, connections,
                        gate));
    }

    /** TLS from PEM files; HTTP/2 is offered by ALPN next to HTTP/1.1 (helidon-webserver-http2). */
    private static Tls tls(Settings.Tls tls) {
        Keys keys = Keys.builder()
                .pem(pem -> pem.key(Resource.create(tls.key())).certChain(Resource.create(tls.cert())))
                .build();
        return Tls.builder()
                .privateKey(keys.privateKey().orElseThrow(() -> new IllegalArgumentException("no private key in " + tls.key())))
                .privateKeyCertChain(keys.certChain())
                .build();
    }

    public SseBroadcaster start() {
        WebServerConfig.Builder builder = WebServer.builder().host(settings.listen());
        if (settings.tls().only()) {
            builder.port(settings.tls().port()).tls(tls(settings.tls()));
        } else {
            builder.port(settings.port());
        }
        configure(builder);
        server = builder.build().start();
        return this;
    }

    /** The plain HTTP port (with --ssl-only: the HTTPS port). */
    public int port() {
        return server.port();
    }

    public boolean isRunning() {
        return server != null && server.isRunning() && server.port() > 0;
    }

    /** The HTTPS port when HTTPS runs beside plain HTTP, else -1. */
    public int sslPort() {
        return settings.tls().enabled() && !settings.tls().only() ? server.port("https") : -1;
    }

    public Hub hub() {
        return hub;
    }

    public Broker broker() {
        return broker;
    }

    /**
     * Ends every stream cleanly, each with a random {@code retry:} so clients come back spread out
     * (here after a restart, or on another node), then stops listening.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        hub.close();
        connections.awaitIdle(Duration.ofSeconds(2)); // let each stream write its last events and farewell
        streams.close();
        if (server != null) {
            server.stop();
        }
        broker.close();
        gates.forEach(ConnectionGate::close);
        if (graphite != null) {
            graphite.close();
        }
        observability.close();
    }
}
