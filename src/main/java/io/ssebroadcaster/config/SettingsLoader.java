package io.ssebroadcaster.config;

import io.helidon.config.Config;
import io.helidon.config.ConfigException;
import io.helidon.config.ConfigSources;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Builds {@link Settings} from, in rising precedence: the defaults in {@link Options}, the YAML
 * file named by {@code --config} (or {@code SSE_CONFIG}), {@code SSE_*} environment variables, and
 * the command line. Every error names the setting and where its bad value came from.
 */
public final class SettingsLoader {

    /** {@code --max-batch-bytes} when not given, unless a single publish's body may be larger. */
    static final int DEFAULT_MAX_BATCH_BYTES = 1 << 20;

    private SettingsLoader() {
    }

    /**
     * @return the settings, or empty when {@code --help} or {@code --version} was answered on {@code out}
     * @throws SettingsException for an unknown flag or key, or a bad value
     */
    public static Optional<Settings> load(String[] args, Map<String, String> env, PrintWriter out) {
        Options options = new Options();
        CommandLine cli = new CommandLine(options);
        Map<String, String> fileValues = readConfigFile(configFileFrom(args, env), cli);
        Map<String, String> sources = new HashMap<>();
        cli.setDefaultValueProvider(arg -> {
            if (!(arg instanceof OptionSpec option) || option.usageHelp() || option.versionHelp()) {
                return null;
            }
            String key = key(option);
            String envName = envName(key);
            if (env.containsKey(envName)) {
                sources.put(key, "environment variable " + envName);
                return env.get(envName);
            }
            if (fileValues.containsKey(key)) {
                sources.put(key, "config file key '" + key + "'");
                return fileValues.get(key);
            }
            return null;
        });
        try {
            cli.parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            throw new SettingsException(e.getMessage() + origin(e, sources));
        }
        if (cli.isUsageHelpRequested()) {
            cli.usage(out);
            out.flush();
            return Optional.empty();
        }
        if (cli.isVersionHelpRequested()) {
            cli.printVersionHelp(out);
            out.flush();
            return Optional.empty();
        }
        return Optional.of(validate(options, new Origins(cli, sources)));
    }

    static String key(OptionSpec option) {
        return option.longestName().substring(2);
    }

    static String envName(String key) {
        return "SSE_" + key.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    private static String origin(CommandLine.ParameterException e, Map<String, String> sources) {
        if (e.getArgSpec() instanceof OptionSpec option && e.getCommandLine().getParseResult() != null
                && !e.getCommandLine().getParseResult().hasMatchedOption(option)
                && sources.containsKey(key(option))) {
            return " (from " + sources.get(key(option)) + ")";
        }
        return "";
    }

    /** {@code --config FILE}, {@code --config=FILE}, or {@code SSE_CONFIG}; read before parsing. */
    private static Path configFileFrom(String[] args, Map<String, String> env) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) {
                return Path.of(args[i + 1]);
            }
            if (args[i].startsWith("--config=")) {
                return Path.of(args[i].substring("--config=".length()));
            }
        }
        String fromEnv = env.get(envName("config"));
        return fromEnv == null || fromEnv.isBlank() ? null : Path.of(fromEnv);
    }

    private static Map<String, String> readConfigFile(Path file, CommandLine cli) {
        if (file == null) {
            return Map.of();
        }
        if (!Files.isReadable(file)) {
            throw new SettingsException("config file " + file + ": not found or not readable");
        }
        Map<String, String> flat;
        try {
            Config config = Config.builder()
                    .disableEnvironmentVariablesSource()
                    .disableSystemPropertiesSource()
                    .addSource(ConfigSources.file(file))
                    .build();
            flat = config.asMap().orElse(Map.of());
        } catch (ConfigException e) {
            throw new SettingsException("config file " + file + ": " + e.getMessage());
        }
        // A YAML list (cors-origins: [a, b]) arrives as cors-origins.0, cors-origins.1, ...
        Map<String, String> values = new TreeMap<>();
        for (Map.Entry<String, String> e : new TreeMap<>(flat).entrySet()) {
            String key = e.getKey().replaceFirst("\\.\\d+$", "");
            values.merge(key, e.getValue(), (a, b) -> a + "," + b);
        }
        for (String key : values.keySet()) {
            OptionSpec option = cli.getCommandSpec().findOption("--" + key);
            if (option == null || option.usageHelp() || option.versionHelp() || key.equals("config")) {
                throw new SettingsException("config file " + file + ": unknown key '" + key
                        + "' (keys are the flag names without dashes, see --help)");
            }
        }
        return values;
    }

    /** Says where a value came from, for error messages. */
    private record Origins(CommandLine cli, Map<String, String> sources) {
        String of(String key) {
            OptionSpec option = cli.getCommandSpec().findOption("--" + key);
            if (cli.getParseResult().hasMatchedOption(option)) {
                return "--" + key;
            }
            String source = sources.get(key);
            return source == null ? "--" + key : "--" + key + " (from " + source + ")";
        }

        void check(boolean ok, String key, Object value, String rule) {
            if (!ok) {
                throw new SettingsException(of(key) + ": " + rule + ", got " + value);
            }
        }
    }

    private static Settings validate(Options o, Origins at) {
        at.check(o.port >= 0 && o.port <= 65535, "port", o.port, "must be 0..65535");
        at.check(!o.listen.isBlank(), "listen", "''", "must be an address");
        at.check(o.redisPort >= 1 && o.redisPort <= 65535, "redis-port", o.redisPort, "must be 1..65535");
        // The whole URL, now: the Redis broker is only built later, where a bad one would be a crash
        String redisProblem = o.redisUrl == null ? null : RedisUrl.problemWith(o.redisUrl);
        at.check(redisProblem == null, "redis-url", o.redisUrl == null ? null : Settings.maskUrl(o.redisUrl),
                redisProblem);
        at.check(o.redisPingTimeout >= 100 && o.redisPingTimeout <= 600_000, "redis-ping-timeout", o.redisPingTimeout,
                "must be 100..600000 milliseconds");
        at.check(o.heartbeat >= 1 && o.heartbeat <= 3600, "heartbeat", o.heartbeat, "must be 1..3600 seconds");
        at.check(o.historySize >= 0 && o.historySize <= 1_000_000, "history-size", o.historySize, "must be 0..1000000");
        at.check(o.historyTtl >= 0, "history-ttl", o.historyTtl, "must be 0 or more seconds");
        at.check(o.historyMaxBytes >= 0, "history-max-bytes", o.historyMaxBytes, "must be 0 or more");
        at.check(o.maxReplayEvents >= 1 && o.maxReplayEvents <= 1_000_000, "max-replay-events", o.maxReplayEvents,
                "must be 1..1000000");
        at.check(o.maxReplayBytes >= 1024 && o.maxReplayBytes <= 1L << 30, "max-replay-bytes", o.maxReplayBytes,
                "must be 1024..1073741824");
        at.check(o.historyIdleExpiry >= 0 && o.historyIdleExpiry <= 100L * 365 * 86400, "history-idle-expiry",
                o.historyIdleExpiry, "must be 0..3153600000 seconds");
        at.check(o.idempotencyWindow >= 0 && o.idempotencyWindow <= 7 * 86400, "idempotency-window",
                o.idempotencyWindow, "must be 0..604800 seconds");
        at.check(o.idempotencyMaxKeys >= 1 && o.idempotencyMaxKeys <= 10_000_000, "idempotency-max-keys",
                o.idempotencyMaxKeys, "must be 1..10000000");
        at.check(o.maxMessageBytes >= 1 && o.maxMessageBytes <= 16 << 20, "max-message-bytes", o.maxMessageBytes,
                "must be 1..16777216");
        at.check(o.maxBatchItems >= 1 && o.maxBatchItems <= 100_000, "max-batch-items", o.maxBatchItems,
                "must be 1..100000");
        // Derived when not given, so that raising --max-message-bytes alone never makes the start fail
        // (6 x + 64 KiB: the single publish's body limit, PublishRequest.bodyLimit)
        int maxBatchBytes = o.maxBatchBytes != null ? o.maxBatchBytes
                : (int) Math.max(DEFAULT_MAX_BATCH_BYTES, Math.min(Integer.MAX_VALUE - 16, 6L * o.maxMessageBytes + 64 * 1024));
        at.check(maxBatchBytes >= o.maxMessageBytes && maxBatchBytes <= 1 << 30, "max-batch-bytes", maxBatchBytes,
                "must be at least --max-message-bytes (" + o.maxMessageBytes + ") and at most 1073741824");
        at.check(o.queueLimit >= 1 && o.queueLimit <= 1_000_000, "queue-limit", o.queueLimit, "must be 1..1000000");
        at.check(o.pollTimeout >= 1 && o.pollTimeout <= 300, "poll-timeout", o.pollTimeout, "must be 1..300 seconds");
        at.check(o.retry >= 0 && o.retry <= 3_600_000, "retry", o.retry, "must be 0..3600000 milliseconds");
        Settings.RetryWindow refusalRetry = retryWindow(o.refusalRetry);
        at.check(refusalRetry != null, "refusal-retry", o.refusalRetry,
                "must be MIN-MAX milliseconds with 0 <= MIN <= MAX <= 3600000");
        at.check(o.maxBacklog >= 1 && o.maxBacklog <= 600_000, "max-backlog", o.maxBacklog, "must be 1..600000 milliseconds");
        at.check(o.maxChannels >= 1 && o.maxChannels <= 1024, "max-channels", o.maxChannels, "must be 1..1024");
        at.check(o.maxPatterns >= 0 && o.maxPatterns <= 1024, "max-patterns", o.maxPatterns, "must be 0..1024");
        at.check(o.maxNodePatterns >= 0 && o.maxNodePatterns <= 1_000_000, "max-node-patterns", o.maxNodePatterns,
                "must be 0..1000000");
        at.check(o.maxConnections >= 1 && o.maxConnections <= 1_000_000, "max-connections", o.maxConnections,
                "must be 1..1000000");
        at.check(o.requestHeadTimeout >= 1 && o.requestHeadTimeout <= 3600, "request-head-timeout",
                o.requestHeadTimeout, "must be 1..3600 seconds");
        at.check(o.requestBodyTimeout >= 1 && o.requestBodyTimeout <= 3600, "request-body-timeout",
                o.requestBodyTimeout, "must be 1..3600 seconds");
        at.check(o.keepaliveTimeout >= 1 && o.keepaliveTimeout <= 3600, "keepalive-timeout",
                o.keepaliveTimeout, "must be 1..3600 seconds");
        List<String> origins = o.corsOrigins.stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
        at.check(!origins.isEmpty(), "cors-origins", "''", "must name at least one origin or *");
        List<String> corsHeaders = o.corsHeaders.stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
        // An HTTP token without '*': a '*' among names would read as a wildcard but match only itself
        at.check(corsHeaders.equals(List.of("*")) || !corsHeaders.isEmpty()
                        && corsHeaders.stream().allMatch(h -> h.matches("[!#$%&'+.^_`|~0-9A-Za-z-]+")), "cors-headers",
                corsHeaders.isEmpty() ? "''" : String.join(",", corsHeaders), "must be * alone, or header names");
        String export = o.export.trim().toLowerCase(Locale.ROOT);
        at.check(export.equals("none") || export.equals("graphite"), "export", o.export, "must be none or graphite");
        at.check(o.exportPort >= 1 && o.exportPort <= 65535, "export-port", o.exportPort, "must be 1..65535");
        at.check(o.exportInterval >= 1 && o.exportInterval <= 86400, "export-interval", o.exportInterval,
                "must be 1..86400 seconds");
        at.check(o.exportPath.matches("[A-Za-z0-9_.-]+"), "export-path", o.exportPath,
                "must be letters, digits, _ - and dots");
        java.util.logging.Level level = switch (o.logLevel.trim().toLowerCase(Locale.ROOT)) {
            case "error", "severe" -> java.util.logging.Level.SEVERE;
            case "warning", "warn" -> java.util.logging.Level.WARNING;
            case "info" -> java.util.logging.Level.INFO;
            case "debug", "fine" -> java.util.logging.Level.FINE;
            default -> null;
        };
        at.check(level != null, "log-level", o.logLevel, "must be error, warning, info or debug");
        at.check(o.jwtSecret == null || o.jwtSecret.getBytes(java.nio.charset.StandardCharsets.UTF_8).length >= 32,
                "jwt-secret", "(hidden)", "must be at least 32 bytes for HS256");
        at.check(o.jwtPublicKey == null || Files.isReadable(o.jwtPublicKey), "jwt-public-key", o.jwtPublicKey,
                "must be a readable PEM file");
        List<String> privateChannels = o.privateChannels == null ? List.of()
                : o.privateChannels.stream().map(String::trim).filter(c -> !c.isEmpty()).toList();
        for (String c : privateChannels) {
            at.check(io.ssebroadcaster.hub.ChannelName.problemForSubscribe(c) == null, "private-channels", c,
                    "must be channel names or * patterns");
        }
        boolean tokens = o.jwtSecret != null || o.jwtPublicKey != null;
        at.check(tokens || (privateChannels.isEmpty() && !o.requireAuth), o.requireAuth ? "require-auth" : "private-channels",
                o.requireAuth ? "true" : String.join(",", privateChannels), "needs --jwt-secret or --jwt-public-key");
        at.check(o.sslPort >= 0 && o.sslPort <= 65535, "ssl-port", o.sslPort, "must be 0..65535");
        at.check(o.sslPort == 0 || o.sslCert != null && Files.isReadable(o.sslCert), "ssl-cert", o.sslCert,
                "must be a readable PEM file when --ssl-port is set");
        at.check(o.sslPort == 0 || o.sslKey != null && Files.isReadable(o.sslKey), "ssl-key", o.sslKey,
                "must be a readable PEM file when --ssl-port is set");
        at.check(!o.sslOnly || o.sslPort > 0, "ssl-only", "true", "needs --ssl-port");
        List<String> seeds = o.redisCluster.stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
        for (String seed : seeds) {
            String problem = RedisUrl.problemWith(Settings.seedUrl(seed));
            at.check(problem == null, "redis-cluster", Settings.maskUrl(Settings.seedUrl(seed)), problem);
            at.check(problem != null || RedisUrl.parse(Settings.seedUrl(seed)).database() == 0, "redis-cluster",
                    Settings.maskUrl(Settings.seedUrl(seed)), "a cluster has only database 0");
        }
        return new Settings(o.port, o.listen, seeds.isEmpty() ? o.broker : Settings.BrokerKind.REDIS, blankToNull(o.httpSecret), o.redisHost, o.redisPort,
                blankToNull(o.redisUrl), Duration.ofMillis(o.redisPingTimeout), Duration.ofSeconds(o.heartbeat), o.historySize,
                Duration.ofSeconds(o.historyTtl), o.historyMaxBytes, o.maxReplayEvents, o.maxReplayBytes,
                o.maxMessageBytes, o.queueLimit,
                Duration.ofSeconds(o.pollTimeout), Duration.ofMillis(o.retry), refusalRetry,
                Duration.ofMillis(o.maxBacklog), o.maxChannels, o.maxPatterns, o.maxNodePatterns, o.maxConnections,
                new Settings.RequestTimeouts(Duration.ofSeconds(o.requestHeadTimeout),
                        Duration.ofSeconds(o.keepaliveTimeout), Duration.ofSeconds(o.requestBodyTimeout)),
                origins, corsHeaders,
                new Settings.Export(export.equals("graphite"), o.exportHost, o.exportPort,
                        Duration.ofSeconds(o.exportInterval), o.exportPath),
                new Settings.Logging(level, o.logfile, o.pidfile),
                new Settings.Security(blankToNull(o.jwtSecret), o.jwtPublicKey, privateChannels, o.requireAuth),
                new Settings.Tls(o.sslPort, o.sslCert, o.sslKey, o.sslOnly),
                Duration.ofSeconds(o.historyIdleExpiry),
                new Settings.Idempotency(Duration.ofSeconds(o.idempotencyWindow), o.idempotencyMaxKeys),
                new Settings.Batch(o.maxBatchItems, maxBatchBytes), seeds);
    }

    /** {@code 2000-10000}, or one number for a fixed delay; null when malformed or out of range. */
    private static Settings.RetryWindow retryWindow(String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\s*(\\d{1,7})\\s*(?:-\\s*(\\d{1,7})\\s*)?").matcher(text);
        if (!m.matches()) {
            return null;
        }
        long min = Long.parseLong(m.group(1));
        long max = m.group(2) == null ? min : Long.parseLong(m.group(2));
        return min <= max && max <= 3_600_000 ? new Settings.RetryWindow(min, max) : null;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
