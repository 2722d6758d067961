package io.ssebroadcaster.redis;

import io.ssebroadcaster.config.Settings;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisPooled;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Where Redis is and how to talk to it, from {@code --redis-url} (redis:// or rediss:// with
 * optional user, password and database) or else {@code --redis-host} and {@code --redis-port}.
 */
public record RedisEndpoint(HostAndPort address, String user, String password, int database, boolean tls) {

    public static RedisEndpoint from(Settings settings) {
        if (settings.redisUrl() == null) {
            return new RedisEndpoint(new HostAndPort(settings.redisHost(), settings.redisPort()), null, null, 0, false);
        }
        String problem = problemWith(settings.redisUrl());
        if (problem != null) { // SettingsLoader refuses such a URL at start-up; only hand-built Settings get here
            throw new IllegalArgumentException("--redis-url: " + problem);
        }
        URI uri = URI.create(settings.redisUrl());
        String user = null;
        String password = null;
        if (uri.getRawUserInfo() != null) {
            String[] parts = uri.getRawUserInfo().split(":", 2);
            user = parts[0].isEmpty() ? null : decode(parts[0]);
            password = parts.length > 1 ? decode(parts[1]) : null;
        }
        return new RedisEndpoint(new HostAndPort(uri.getHost(), uri.getPort() < 0 ? 6379 : uri.getPort()),
                user, password, database(uri.getRawPath()), "rediss".equals(uri.getScheme()));
    }

    /**
     * What is wrong with a {@code --redis-url}, or null if {@link #from} can use it. Kept beside the
     * parsing so the two cannot drift apart; the answer never repeats the URL (it may hold a password).
     */
    public static String problemWith(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return "is not a valid URL (" + e.getReason() + ")";
        }
        if (!"redis".equals(uri.getScheme()) && !"rediss".equals(uri.getScheme())) {
            return "must start with redis:// or rediss://";
        }
        if (uri.getHost() == null) { // java.net.URI finds no host when any part of host[:port] is malformed
            return "must be redis://[user:password@]host[:port][/db], the host an IP address or a name of "
                    + "letters, digits, '-' and '.' (no '_'), the port digits";
        }
        if (uri.getPort() == 0 || uri.getPort() > 65535) {
            return "port must be 1..65535";
        }
        if (database(uri.getRawPath()) < 0) {
            return "database (the path) must be a non-negative integer, as in redis://host:6379/0";
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            return "takes no ?query or #fragment (they would be ignored)";
        }
        if (uri.getRawUserInfo() != null) {
            try {
                for (String part : uri.getRawUserInfo().split(":", 2)) {
                    decode(part);
                }
            } catch (IllegalArgumentException e) {
                return "user or password is not %-encoded properly";
            }
        }
        return null;
    }

    /** The database number from the URL's path ("", "/" or "/N"), or -1 if it is anything else. */
    private static int database(String rawPath) {
        if (rawPath == null || rawPath.isEmpty() || rawPath.equals("/")) {
            return 0;
        }
        if (!rawPath.matches("/[0-9]{1,10}")) {
            return -1;
        }
        long n = Long.parseLong(rawPath.substring(1));
        return n <= Integer.MAX_VALUE ? (int) n : -1;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    /** Client settings with every wait bounded, so a dead Redis never hangs a caller. */
    JedisClientConfig clientConfig(int socketTimeoutMillis, String clientName) {
        DefaultJedisClientConfig.Builder b = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(1000)
                .socketTimeoutMillis(socketTimeoutMillis)
                .database(database)
                .ssl(tls)
                .clientName(clientName);
        if (user != null) {
            b.user(user);
        }
        if (password != null) {
            b.password(password);
        }
        return b.build();
    }

    /**
     * The pooled client for commands (publishes, replays, catch-up), shared by the node's broker and
     * history. Bounded waits everywhere: an HTTP thread never hangs on a dead Redis.
     */
    public JedisPooled commandClient() {
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(32);
        pool.setMaxIdle(32);
        pool.setMaxWait(Duration.ofSeconds(1));
        // Idle connections are checked every second (drops other than a Redis restart, which the
        // subscriber handles by clearing the pool when it reconnects)
        pool.setTestWhileIdle(true);
        pool.setTimeBetweenEvictionRuns(Duration.ofSeconds(1));
        return new JedisPooled(address, clientConfig(2000, "sse-commands"), pool);
    }

    @Override
    public String toString() {
        return (tls ? "rediss://" : "redis://") + address + "/" + database;
    }
}
