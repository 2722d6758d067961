package io.ssebroadcaster.config;

import java.time.Duration;
import java.util.List;

/**
 * The server's effective configuration: defaults, overridden by the config file, then by
 * {@code SSE_*} environment variables, then by command-line flags. Built by {@link SettingsLoader}.
 */
public record Settings(
        int port,
        String listen,
        BrokerKind broker,
        String httpSecret,
        String redisHost,
        int redisPort,
        String redisUrl,
        Duration redisPingTimeout,
        Duration heartbeat,
        int historySize,
        Duration historyTtl,
        long historyMaxBytes,
        int maxReplayEvents,
        long maxReplayBytes,
        int maxMessageBytes,
        int queueLimit,
        Duration pollTimeout,
        Duration retry,
        RetryWindow refusalRetry,
        Duration maxBacklog,
        int maxChannels,
        int maxPatterns,
        int maxNodePatterns,
        int maxConnections,
        RequestTimeouts requestTimeouts,
        List<String> corsOrigins,
        List<String> corsHeaders,
        Export export,
        Logging logging,
        Security security,
        Tls tls,
        Duration historyIdleExpiry,
        Idempotency idempotency,
        Batch batch,
        List<String> redisCluster) {

    public enum BrokerKind { MEMORY, REDIS }

    /** On Redis Cluster (seed nodes given): each channel on its own shard, its own ids. */
    public boolean onRedisCluster() {
        return !redisCluster.isEmpty();
    }

    /** A seed as a URL: {@code host:port} is {@code redis://host:port}. */
    public static String seedUrl(String seed) {
        String s = seed.trim();
        return s.contains("://") ? s : "redis://" + s;
    }

    /** Where a refused or sent-away client's {@code retry:} is drawn from, in milliseconds. */
    public record RetryWindow(long minMillis, long maxMillis) {
    }

    /**
     * Deadlines for what a client sends, each in total (a trickle cannot stretch them): a new
     * connection's first request head, a kept-alive connection's next one, and a request body.
     */
    public record RequestTimeouts(Duration head, Duration keepAlive, Duration body) {
    }

    /** Graphite export: null host means off. */
    public record Export(boolean graphite, String host, int port, Duration interval, String path) {
    }

    /** Who may publish and subscribe: publisher key, token keys, channels that need a token. */
    public record Security(String jwtSecret, java.nio.file.Path jwtPublicKey, List<String> privateChannels,
                           boolean requireAuth) {
        public boolean tokensEnabled() {
            return jwtSecret != null || jwtPublicKey != null;
        }

        /**
         * Whether a browser's ambient credentials (the {@code sse_token} cookie) can unlock anything.
         * When not, a credentialed cross-origin request sees nothing an anonymous one would not.
         */
        public boolean authEnabled() {
            return tokensEnabled() || !privateChannels.isEmpty() || requireAuth;
        }
    }

    /** HTTPS listener: port 0 means off. */
    public record Tls(int port, java.nio.file.Path cert, java.nio.file.Path key, boolean only) {
        public boolean enabled() {
            return port > 0;
        }
    }

    /**
     * Idempotency keys of publishes: remembered for {@code window} (zero: not at all); the memory
     * broker remembers at most {@code maxKeys}.
     */
    public record Idempotency(Duration window, int maxKeys) {
        public boolean enabled() {
            return !window.isZero();
        }
    }

    /**
     * Bounds of a batch publish (a JSON array or NDJSON body): most items, and most bytes of the
     * whole request body.
     */
    public record Batch(int maxItems, int maxBytes) {
    }

    /** Log level (a java.util.logging level), and the optional log and pid files. */
    public record Logging(java.util.logging.Level level, java.nio.file.Path logfile, java.nio.file.Path pidfile) {
    }

    /** For the start-up log line: every setting, secrets masked. */
    public String describe() {
        return "port=" + port + " listen=" + listen + " broker=" + broker.name().toLowerCase()
                + " http-secret=" + (httpSecret == null ? "none" : "****")
                + (broker == BrokerKind.REDIS ? " redis=" + (redisUrl != null ? maskUrl(redisUrl) : redisHost + ":" + redisPort)
                        + " redis-ping-timeout=" + redisPingTimeout.toMillis() + "ms" : "")
                + " heartbeat=" + heartbeat.toSeconds() + "s history-size=" + historySize
                + " history-ttl=" + historyTtl.toSeconds() + "s history-max-bytes=" + historyMaxBytes
                + " max-replay-events=" + maxReplayEvents + " max-replay-bytes=" + maxReplayBytes
                + " history-idle-expiry=" + historyIdleExpiry.toSeconds() + "s"
                + " idempotency-window=" + idempotency.window().toSeconds() + "s"
                + " idempotency-max-keys=" + idempotency.maxKeys()
                + " max-message-bytes=" + maxMessageBytes
                + " max-batch-items=" + batch.maxItems() + " max-batch-bytes=" + batch.maxBytes()
                + " queue-limit=" + queueLimit
                + " poll-timeout=" + pollTimeout.toSeconds() + "s retry=" + retry.toMillis() + "ms"
                + " refusal-retry=" + refusalRetry.minMillis() + "-" + refusalRetry.maxMillis() + "ms"
                + " max-backlog=" + maxBacklog.toMillis() + "ms"
                + " max-channels=" + maxChannels + " max-patterns=" + maxPatterns
                + " max-node-patterns=" + maxNodePatterns + " max-connections=" + maxConnections
                + " request-head-timeout=" + requestTimeouts.head().toSeconds() + "s"
                + " request-body-timeout=" + requestTimeouts.body().toSeconds() + "s"
                + " keepalive-timeout=" + requestTimeouts.keepAlive().toSeconds() + "s"
                + " cors-origins=" + String.join(",", corsOrigins) + " cors-headers=" + String.join(",", corsHeaders)
                + (export.graphite() ? " export=graphite://" + export.host() + ":" + export.port() + "/" + export.path()
                        + " every " + export.interval().toSeconds() + "s" : "")
                + " log-level=" + logging.level().getName().toLowerCase()
                + (security.tokensEnabled() ? " jwt=" + (security.jwtSecret() != null ? "hs256(****)" : "")
                        + (security.jwtPublicKey() != null ? " " + security.jwtPublicKey() : "") : "")
                + (security.privateChannels().isEmpty() ? "" : " private-channels=" + String.join(",", security.privateChannels()))
                + (security.requireAuth() ? " require-auth" : "")
                + (tls.enabled() ? " ssl-port=" + tls.port() + (tls.only() ? " ssl-only" : "") : "");
    }

    /** The URL with its password replaced by {@code ****}, for logs and error messages. */
    static String maskUrl(String url) {
        return url.replaceAll("//([^:@/]*):.*@", "//$1:****@"); // to the last @: a password may hold / or @
    }
}
