package io.ssebroadcaster.redis;

import io.ssebroadcaster.config.RedisUrl;
import io.ssebroadcaster.config.Settings;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Where a Redis Cluster is, from {@code --redis-cluster}: seed nodes (the rest is discovered), with
 * user, password and TLS taken from the first seed that is a URL.
 */
public record ClusterEndpoint(List<HostAndPort> seeds, String user, String password, boolean tls) {

    public static ClusterEndpoint from(Settings settings) {
        List<RedisUrl> urls = settings.redisCluster().stream().map(s -> RedisUrl.parse(Settings.seedUrl(s))).toList();
        RedisUrl first = urls.getFirst(); // all checked when the settings were loaded
        return new ClusterEndpoint(urls.stream().map(u -> new HostAndPort(u.host(), u.port())).toList(),
                first.user(), first.password(), first.tls());
    }

    private JedisClientConfig config(int socketTimeoutMillis, String clientName) {
        return RedisEndpoint.clientConfig(0, tls, user, password, socketTimeoutMillis, clientName);
    }

    /** The commands client: publishes, replays, catch-up; every wait bounded. */
    public ClusterClient commandClient() {
        Set<HostAndPort> nodes = new LinkedHashSet<>(seeds);
        return ClusterClient.connect(nodes, config(2000, "sse-commands"));
    }

    /** The shard connections' settings (their reads wait for ever; pings find a dead one). */
    public JedisClientConfig pubsubConfig() {
        return config(2000, "sse-subscriber");
    }

    @Override
    public String toString() {
        return seeds.stream().map(HostAndPort::toString).collect(Collectors.joining(",", tls ? "rediss://" : "redis://", ""));
    }
}
