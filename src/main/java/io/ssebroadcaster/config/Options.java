package io.ssebroadcaster.config;

import java.util.ArrayList;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;

/**
 * The command line, one field per setting. Each flag's default comes from the environment
 * variable {@code SSE_<FLAG>} or the config file first (see {@link SettingsLoader}), then from
 * here.
 */
@Command(name = "sse-broadcaster", mixinStandardHelpOptions = true, sortOptions = false,
        versionProvider = Version.class, usageHelpAutoWidth = true,
        description = {"Broadcasts published messages to browsers over Server-Sent Events, with long polling "
                + "for clients without EventSource.", "",
                "Every option can also be set as an environment variable (--history-size: SSE_HISTORY_SIZE) "
                + "or as a key in the --config YAML file (history-size: 500). Flags win over environment "
                + "variables, which win over the file.", ""})
final class Options {

    @Option(names = "--port", defaultValue = "8888", paramLabel = "PORT", description = "HTTP port (0: any free port). Default: ${DEFAULT-VALUE}")
    int port;

    @Option(names = "--listen", defaultValue = "127.0.0.1", paramLabel = "ADDRESS",
            description = "Address to listen on (0.0.0.0: all). Default: ${DEFAULT-VALUE}")
    String listen;

    @Option(names = "--broker", defaultValue = "memory", paramLabel = "memory|redis",
            converter = BrokerKindConverter.class,
            description = "memory: in-process (alias: http); redis: shared by every node on one Redis. Default: ${DEFAULT-VALUE}")
    Settings.BrokerKind broker;

    @Option(names = "--http-secret", paramLabel = "KEY",
            description = "Publishers must send this as the 'key' field or 'Authorization: Bearer KEY'. Default: none")
    String httpSecret;

    @Option(names = "--redis-host", defaultValue = "127.0.0.1", paramLabel = "HOST", description = "Redis host. Default: ${DEFAULT-VALUE}")
    String redisHost;

    @Option(names = "--redis-port", defaultValue = "6379", paramLabel = "PORT", description = "Redis port. Default: ${DEFAULT-VALUE}")
    int redisPort;

    @Option(names = "--redis-url", paramLabel = "URL",
            description = "redis://[user:pass@]host[:port][/db] or rediss:// (TLS); overrides host and port. Default: none")
    String redisUrl;

    @Option(names = "--redis-cluster", paramLabel = "HOST:PORT[,HOST:PORT...]", split = ",",
            description = "Redis Cluster seed nodes (any few; the rest is discovered), each host:port or a redis:// or "
                    + "rediss:// URL (user, password and TLS as --redis-url, taken from the first). Implies --broker redis. "
                    + "Default: none (one Redis)")
    List<String> redisCluster = new ArrayList<>();

    @Option(names = "--redis-ping-timeout", defaultValue = "3000", paramLabel = "MILLIS",
            description = "A Redis subscriber connection not heard from this long (it is pinged three times meanwhile) is "
                    + "dead: the node reports not ready and reconnects. Default: ${DEFAULT-VALUE}")
    int redisPingTimeout;

    @Option(names = "--heartbeat", defaultValue = "20", paramLabel = "SECONDS",
            description = "Send a ': ping' comment to a stream idle this long. Default: ${DEFAULT-VALUE}")
    int heartbeat;

    @Option(names = "--history-size", defaultValue = "1000", paramLabel = "N",
            description = "Messages kept per channel for Last-Event-ID replay (0: none). Default: ${DEFAULT-VALUE}")
    int historySize;

    @Option(names = "--history-ttl", defaultValue = "3600", paramLabel = "SECONDS",
            description = "Drop history older than this (0: no age limit). Default: ${DEFAULT-VALUE}")
    long historyTtl;

    @Option(names = "--history-max-bytes", defaultValue = "67108864", paramLabel = "BYTES",
            description = "Heap for history across all channels (oldest dropped first); with Redis also the most one "
                    + "channel's stream keeps. Default: ${DEFAULT-VALUE}")
    long historyMaxBytes;

    @Option(names = "--max-replay-events", defaultValue = "10000", paramLabel = "N",
            description = "Most events one resuming client is replayed; beyond it the newest are sent and the client "
                    + "is told its history is truncated. Default: ${DEFAULT-VALUE}")
    int maxReplayEvents;

    @Option(names = "--max-replay-bytes", defaultValue = "1048576", paramLabel = "BYTES",
            description = "Most bytes of events one resuming client is replayed (and about what reading them may "
                    + "hold in memory at once); beyond it as above. Default: ${DEFAULT-VALUE}")
    long maxReplayBytes;
    @Option(names = "--history-idle-expiry", defaultValue = "86400", paramLabel = "SECONDS",
            description = "Redis: with --history-ttl 0, a channel's keys expire this long after its last publish "
                    + "(0: keep them). Default: ${DEFAULT-VALUE}")
    long historyIdleExpiry;

    @Option(names = "--idempotency-window", defaultValue = "300", paramLabel = "SECONDS",
            description = "How long a publish's Idempotency-Key is remembered: a retry with it is answered with the "
                    + "first id and not sent again (0: keys are not kept). Default: ${DEFAULT-VALUE}")
    long idempotencyWindow;

    @Option(names = "--idempotency-max-keys", defaultValue = "100000", paramLabel = "N",
            description = "Memory broker: most idempotency keys remembered at once (the oldest forgotten first). "
                    + "Default: ${DEFAULT-VALUE}")
    int idempotencyMaxKeys;

    @Option(names = "--max-message-bytes", defaultValue = "65536", paramLabel = "BYTES",
            description = "Largest message accepted by /publish (413 above), and taken from Redis pub/sub. Default: ${DEFAULT-VALUE}")
    int maxMessageBytes;

    @Option(names = "--max-batch-items", defaultValue = "1000", paramLabel = "N",
            description = "Most publishes in one batch (a JSON array or NDJSON body of /publish; 413 above). "
                    + "Default: ${DEFAULT-VALUE}")
    int maxBatchItems;

    /** Null when not given: then derived from --max-message-bytes (see SettingsLoader). */
    @Option(names = "--max-batch-bytes", paramLabel = "BYTES",
            description = "Largest body of a batch publish (413 above); at least --max-message-bytes. "
                    + "Default: 1048576, or a single publish's body limit (6 x --max-message-bytes + 64 KiB) when larger")
    Integer maxBatchBytes;

    @Option(names = "--queue-limit", defaultValue = "1000", paramLabel = "N",
            description = "Events queued for one subscriber before it is disconnected as too slow. Default: ${DEFAULT-VALUE}")
    int queueLimit;

    @Option(names = "--poll-timeout", defaultValue = "25", paramLabel = "SECONDS",
            description = "How long a long-poll request waits for an event. Default: ${DEFAULT-VALUE}")
    int pollTimeout;

    @Option(names = "--retry", defaultValue = "3000", paramLabel = "MILLIS",
            description = "Reconnect delay sent to clients as 'retry:'. Default: ${DEFAULT-VALUE}")
    int retry;

    @Option(names = "--refusal-retry", defaultValue = "2000-10000", paramLabel = "MIN-MAX",
            description = "Milliseconds window for the random 'retry:' sent to EventSources that are refused (cap, overload) "
                    + "or sent away at shutdown, so they come back spread out. Default: ${DEFAULT-VALUE}")
    String refusalRetry;

    @Option(names = "--max-backlog", defaultValue = "1000", paramLabel = "MILLIS",
            description = "Refuse publishes (503) and new subscribers while the writers are this far behind: "
                    + "the server itself cannot keep up. Default: ${DEFAULT-VALUE}")
    int maxBacklog;

    @Option(names = "--max-channels", defaultValue = "64", paramLabel = "N",
            description = "Most channels one subscription may name. Default: ${DEFAULT-VALUE}")
    int maxChannels;

    @Option(names = "--max-patterns", defaultValue = "16", paramLabel = "N",
            description = "Most * patterns one subscription may name (400 above); 0: patterns off. Default: ${DEFAULT-VALUE}")
    int maxPatterns;

    @Option(names = "--max-node-patterns", defaultValue = "1000", paramLabel = "N",
            description = "Most distinct * patterns this node's subscribers may hold at once (400 for a new one above); "
                    + "each costs every event a match, and with Redis every PUBLISH. Default: ${DEFAULT-VALUE}")
    int maxNodePatterns;

    @Option(names = "--max-connections", defaultValue = "10000", paramLabel = "N",
            description = "Most streams and polls open at once (503 above); keep below the open-file limit. Default: ${DEFAULT-VALUE}")
    int maxConnections;

    @Option(names = "--request-head-timeout", defaultValue = "10", paramLabel = "SECONDS",
            description = "A new connection must send a complete request head within this, however it trickles; "
                    + "else it is closed. Default: ${DEFAULT-VALUE}")
    int requestHeadTimeout;

    @Option(names = "--request-body-timeout", defaultValue = "30", paramLabel = "SECONDS",
            description = "A request body must arrive in full within this of its head; else the connection is closed. "
                    + "Default: ${DEFAULT-VALUE}")
    int requestBodyTimeout;

    @Option(names = "--keepalive-timeout", defaultValue = "75", paramLabel = "SECONDS",
            description = "A kept-alive connection must send its next complete request head within this of the "
                    + "previous answer; else it is closed. Default: ${DEFAULT-VALUE}")
    int keepaliveTimeout;

    @Option(names = "--cors-origins", defaultValue = "*", split = ",", paramLabel = "ORIGIN",
            description = "Origins allowed to subscribe and publish from browsers, comma-separated. Default: ${DEFAULT-VALUE}")
    List<String> corsOrigins;

    @Option(names = "--cors-headers", defaultValue = "*", split = ",", paramLabel = "HEADER",
            description = "Request headers browsers may send cross-origin, comma-separated; *: whatever a preflight asks for. Default: ${DEFAULT-VALUE}")
    List<String> corsHeaders;

    @Option(names = "--jwt-secret", paramLabel = "SECRET",
            description = "Accept HS256 tokens signed with this secret (at least 32 bytes). Default: none")
    String jwtSecret;

    @Option(names = "--jwt-public-key", paramLabel = "FILE",
            description = "Accept RS256/ES256 tokens verified with this PEM public key. Default: none")
    Path jwtPublicKey;

    @Option(names = "--private-channels", split = ",", paramLabel = "PATTERN",
            description = "Channels (names or * patterns) that need a token with a matching 'subscribe' claim. Default: none")
    List<String> privateChannels;

    @Option(names = "--require-auth", defaultValue = "false", paramLabel = "true|false", arity = "0..1",
            description = "Every subscription needs a token. Default: ${DEFAULT-VALUE}")
    boolean requireAuth;

    @Option(names = "--ssl-port", defaultValue = "0", paramLabel = "PORT",
            description = "Also serve HTTPS (with HTTP/2) on this port; 0: off. Default: ${DEFAULT-VALUE}")
    int sslPort;

    @Option(names = "--ssl-cert", paramLabel = "FILE", description = "PEM certificate chain for HTTPS. Default: none")
    Path sslCert;

    @Option(names = "--ssl-key", paramLabel = "FILE", description = "PEM private key for HTTPS. Default: none")
    Path sslKey;

    @Option(names = "--ssl-only", defaultValue = "false", paramLabel = "true|false", arity = "0..1",
            description = "Serve only HTTPS: no plain HTTP on --port. Default: ${DEFAULT-VALUE}")
    boolean sslOnly;

    @Option(names = "--export", defaultValue = "none", paramLabel = "none|graphite",
            description = "Send per-channel subscriber counts and totals to Graphite every --export-interval. Default: ${DEFAULT-VALUE}")
    String export;

    @Option(names = "--export-host", defaultValue = "127.0.0.1", paramLabel = "HOST",
            description = "Graphite host (plaintext protocol). Default: ${DEFAULT-VALUE}")
    String exportHost;

    @Option(names = "--export-port", defaultValue = "2003", paramLabel = "PORT", description = "Graphite port. Default: ${DEFAULT-VALUE}")
    int exportPort;

    @Option(names = "--export-interval", defaultValue = "10", paramLabel = "SECONDS",
            description = "Seconds between exports. Default: ${DEFAULT-VALUE}")
    int exportInterval;

    @Option(names = "--export-path", defaultValue = "sse", paramLabel = "PREFIX",
            description = "Metric path prefix: <prefix>.<channel> <count> <timestamp>. Default: ${DEFAULT-VALUE}")
    String exportPath;

    @Option(names = "--log-level", defaultValue = "info", paramLabel = "LEVEL",
            description = "error, warning, info or debug. Default: ${DEFAULT-VALUE}")
    String logLevel;

    @Option(names = "--logfile", paramLabel = "FILE", description = "Log to this file instead of standard error. Default: none")
    Path logfile;

    @Option(names = "--pidfile", paramLabel = "FILE", description = "Write the process id here while running. Default: none")
    Path pidfile;

    @Option(names = "--config", paramLabel = "FILE",
            description = "YAML file with any of the settings above, keyed by flag name without dashes. Default: none")
    Path config;
}
