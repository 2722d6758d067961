package io.ssebroadcaster.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --redis-cluster}: from a flag, the environment or the file; every seed checked; implies the Redis broker. */
class RedisClusterOptionsTest {

    @TempDir
    Path dir;

    static Settings load(Map<String, String> env, String... args) {
        return SettingsLoader.load(args, env, new PrintWriter(new StringWriter())).orElseThrow();
    }

    @Test
    void seedsComeFromAFlagTheEnvironmentOrTheFileAndImplyTheRedisBroker() throws IOException {
        Settings flag = load(Map.of(), "--redis-cluster", "10.0.0.1:7000,10.0.0.2:7001");
        assertEquals(List.of("10.0.0.1:7000", "10.0.0.2:7001"), flag.redisCluster());
        assertTrue(flag.onRedisCluster());
        assertEquals(Settings.BrokerKind.REDIS, flag.broker());

        Settings env = load(Map.of("SSE_REDIS_CLUSTER", "rediss://user:pw@h1:7000,h2:7001"));
        assertEquals(List.of("rediss://user:pw@h1:7000", "h2:7001"), env.redisCluster());

        Path file = dir.resolve("sse.yaml");
        Files.writeString(file, "redis-cluster: [h1:7000, h2:7000]\n");
        assertEquals(List.of("h1:7000", "h2:7000"), load(Map.of(), "--config", file.toString()).redisCluster());

        Settings none = load(Map.of());
        assertFalse(none.onRedisCluster());
        assertEquals(Settings.BrokerKind.MEMORY, none.broker());
    }

    @Test
    void aBadSeedIsRefusedNamingTheOptionWithoutItsPassword() {
        for (String bad : List.of("h:port", "http://h:7000", "h:70000", "redis://h:7000/1")) {
            SettingsException e = assertThrows(SettingsException.class, () -> load(Map.of(), "--redis-cluster", bad), bad);
            assertTrue(e.getMessage().startsWith("--redis-cluster: "), e.getMessage());
        }
        SettingsException e = assertThrows(SettingsException.class,
                () -> load(Map.of(), "--redis-cluster", "redis://u:hunter2@h:7000/3"));
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }
}
