package io.ssebroadcaster.redis;

import io.ssebroadcaster.config.RedisUrl;
import io.ssebroadcaster.config.Settings;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisPooled;

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
        RedisUrl url = RedisUrl.parse(settings.redisUrl()); // checked already when the settings were loaded
        return new RedisEndpoint(new HostAndPort(url.host(), url.port()), url.user(), url.password(), url.database(),
                url.tls());
    }

    /** Client settings with every wait bounded, so a dead Redis never hangs a caller. */
    JedisClientConfig clientConfig(int socketTimeoutMillis, String clientName) {
        return clientConfig(database, tls, user, password, socketTimeoutMillis, clientName);
    }

    /** The same for any Redis (a cluster's nodes too: database 0). */
    static JedisClientConfig clientConfig(int database, boolean tls, String user, String password,
                                          int socketTimeoutMillis, String clientName) {
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
        return new JedisPooled(address, clientConfig(2000, "sse-commands"), commandPool());
    }

    /** The command connections' pool (per node, on a cluster): bounded waits, idle ones checked. */
    static GenericObjectPoolConfig<Connection> commandPool() {
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(32);
        pool.setMaxIdle(32);
        pool.setMaxWait(Duration.ofSeconds(1));
        // Idle connections are checked every second (drops other than a Redis restart, which the
        // subscriber handles by clearing the pool when it reconnects)
        pool.setTestWhileIdle(true);
        pool.setTimeBetweenEvictionRuns(Duration.ofSeconds(1));
        return pool;
    }

    @Override
    public String toString() {
        return (tls ? "rediss://" : "redis://") + address + "/" + database;
    }
}
