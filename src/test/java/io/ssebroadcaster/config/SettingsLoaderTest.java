package io.ssebroadcaster.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SettingsLoaderTest {

    @TempDir
    Path dir;

    static Settings load(Map<String, String> env, String... args) {
        return SettingsLoader.load(args, env, new PrintWriter(new StringWriter())).orElseThrow();
    }

    @Test
    void defaultsMatchCycloneSse() {
        Settings s = load(Map.of());
        assertEquals(8888, s.port());
        assertEquals("127.0.0.1", s.listen());
        assertEquals(Settings.BrokerKind.MEMORY, s.broker());
        assertEquals(20, s.heartbeat().toSeconds());
        assertEquals(1000, s.historySize());
        assertEquals(65536, s.maxMessageBytes());
        assertEquals(List.of("*"), s.corsOrigins());
    }

    @Test
    void flagsBeatEnvironmentWhichBeatsTheFileWhichBeatsDefaults() throws IOException {
        Path file = dir.resolve("sse.yaml");
        Files.writeString(file, "port: 7001\nheartbeat: 5\nhistory-size: 10\nqueue-limit: 77\ncors-origins: [http://a.example, http://b.example]\n");
        Settings s = load(Map.of("SSE_PORT", "7002", "SSE_HEARTBEAT", "6"),
                "--config", file.toString(), "--port", "7003");
        assertEquals(7003, s.port(), "flag");
        assertEquals(6, s.heartbeat().toSeconds(), "environment over file");
        assertEquals(10, s.historySize(), "file over default");
        assertEquals(77, s.queueLimit());
        assertEquals(List.of("http://a.example", "http://b.example"), s.corsOrigins());
        assertEquals(1000, load(Map.of()).historySize(), "default");
    }

    @Test
    void configFileCanComeFromTheEnvironment() throws IOException {
        Path file = dir.resolve("env.yaml");
        Files.writeString(file, "broker: http\n");
        assertEquals(Settings.BrokerKind.MEMORY, load(Map.of("SSE_CONFIG", file.toString())).broker());
        assertEquals(Settings.BrokerKind.REDIS, load(Map.of(), "--broker", "redis").broker());
    }

    @Test
    void errorsNameTheSettingAndWhereTheBadValueCameFrom() throws IOException {
        SettingsException e = assertThrows(SettingsException.class, () -> load(Map.of(), "--nope"));
        assertTrue(e.getMessage().contains("--nope"), e.getMessage());

        e = assertThrows(SettingsException.class, () -> load(Map.of("SSE_PORT", "abc")));
        assertTrue(e.getMessage().contains("--port") && e.getMessage().contains("SSE_PORT"), e.getMessage());

        e = assertThrows(SettingsException.class, () -> load(Map.of("SSE_HEARTBEAT", "0")));
        assertTrue(e.getMessage().contains("--heartbeat") && e.getMessage().contains("SSE_HEARTBEAT"), e.getMessage());

        e = assertThrows(SettingsException.class, () -> load(Map.of(), "--port", "70000"));
        assertTrue(e.getMessage().startsWith("--port:"), e.getMessage());

        e = assertThrows(SettingsException.class, () -> load(Map.of(), "--broker", "kafka"));
        assertTrue(e.getMessage().contains("--broker"), e.getMessage());

        Path typo = dir.resolve("typo.yaml");
        Files.writeString(typo, "histroy-size: 3\n");
        e = assertThrows(SettingsException.class, () -> load(Map.of(), "--config", typo.toString()));
        assertTrue(e.getMessage().contains("'histroy-size'"), e.getMessage());

        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "queue-limit: 0\n");
        e = assertThrows(SettingsException.class, () -> load(Map.of(), "--config", bad.toString()));
        assertTrue(e.getMessage().contains("--queue-limit") && e.getMessage().contains("config file key 'queue-limit'"),
                e.getMessage());

        e = assertThrows(SettingsException.class, () -> load(Map.of(), "--config", dir.resolve("missing.yaml").toString()));
        assertTrue(e.getMessage().contains("not found"), e.getMessage());
    }

    @Test
    void helpListsEveryOptionWithItsDefault() {
        StringWriter out = new StringWriter();
        Optional<Settings> s = SettingsLoader.load(new String[] {"--help"}, Map.of(), new PrintWriter(out));
        assertTrue(s.isEmpty());
        String help = out.toString();
        for (String flag : List.of("--port", "--listen", "--broker", "--http-secret", "--redis-host", "--redis-port",
                "--heartbeat", "--history-size", "--history-ttl", "--max-message-bytes", "--queue-limit", "--config")) {
            assertTrue(help.contains(flag), flag);
        }
        assertTrue(help.contains("Default: 8888"));
    }

    @Test
    void corsHeadersDefaultToAnyAndMustBeHeaderNames() {
        assertEquals(List.of("*"), load(Map.of()).corsHeaders());
        assertEquals(List.of("Content-Type", "X-Custom"), load(Map.of(), "--cors-headers", "Content-Type, X-Custom").corsHeaders());
        for (String bad : List.of("X Custom", "*,X-Custom", "X-*", " , ")) {
            SettingsException e = assertThrows(SettingsException.class, () -> load(Map.of(), "--cors-headers", bad));
            assertTrue(e.getMessage().startsWith("--cors-headers:"), e.getMessage());
        }
        SettingsException e = assertThrows(SettingsException.class, () -> load(Map.of("SSE_CORS_HEADERS", "a:b")));
        assertTrue(e.getMessage().contains("--cors-headers") && e.getMessage().contains("SSE_CORS_HEADERS"), e.getMessage());
        assertTrue(load(Map.of()).describe().contains("cors-headers=*"));
    }

    @Test
    void everyPartOfTheRedisUrlIsCheckedBeforeAnyBrokerIsBuilt() {
        for (String bad : List.of("redis://127.0.0.1:6379/abc", "redis://h:6379/-1", "redis://h/0/1", "redis://h/99999999999",
                "redis://h:0", "redis://h:70000", "redis://h:port/0", "redis://:6379/0", "redis:///0", "redis://",
                "http://h:6379", "REDIS://h", "redis://h:6379/0?ssl=true", "redis://u:p%zz@h", "redis://h a")) {
            SettingsException e = assertThrows(SettingsException.class, () -> load(Map.of(), "--redis-url", bad), bad);
            assertTrue(e.getMessage().startsWith("--redis-url: "), e.getMessage());
        }
        SettingsException e = assertThrows(SettingsException.class,
                () -> load(Map.of("SSE_REDIS_URL", "redis://127.0.0.1:6379/abc"), "--broker", "redis"));
        assertTrue(e.getMessage().contains("--redis-url") && e.getMessage().contains("environment variable SSE_REDIS_URL")
                && e.getMessage().contains("database"), e.getMessage());
        e = assertThrows(SettingsException.class, () -> load(Map.of(), "--redis-url", "redis://u:hunter2@h:6379/x"));
        assertTrue(!e.getMessage().contains("hunter2") && e.getMessage().contains("u:****@h"), e.getMessage());

        for (String good : List.of("redis://h", "redis://h:6379", "redis://h:6379/", "rediss://u:p%40ss@h:6380/15",
                "redis://:pw@10.0.0.5:1/2147483647")) {
            Settings s = load(Map.of(), "--broker", "redis", "--redis-url", good);
            assertEquals(good, s.redisUrl());
            RedisUrl.parse(s.redisUrl()); // what the broker will do with it: must not throw
        }
        RedisUrl endpoint = RedisUrl.parse(load(Map.of(), "--redis-url", "rediss://u:p%40ss@h:6380/15").redisUrl());
        assertEquals("h", endpoint.host());
        assertEquals(6380, endpoint.port());
        assertEquals("p@ss", endpoint.password());
        assertEquals(15, endpoint.database());
        assertTrue(endpoint.tls());
    }

    @Test
    void aBadSettingExitsWithStatus2AndNamesTheKey() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "io.ssebroadcaster.Main",
                "--port", "0", "--broker", "redis", "--redis-url", "redis://127.0.0.1:6379/abc")
                .redirectErrorStream(true).start();
        try {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "still running");
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(2, p.exitValue(), output);
            assertTrue(output.contains("--redis-url: ") && !output.contains("Exception"), output);
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void describeMasksSecrets() {
        Settings s = load(Map.of(), "--http-secret", "hunter2", "--broker", "redis", "--redis-url", "redis://u:pw@h:1/0");
        assertTrue(!s.describe().contains("hunter2") && !s.describe().contains("pw@"), s.describe());
    }

    @Test
    void patternCapsHaveSafeDefaultsAndZeroTurnsPatternsOff() {
        Settings s = load(Map.of());
        assertEquals(16, s.maxPatterns());
        assertEquals(1000, s.maxNodePatterns());
        assertEquals(0, load(Map.of(), "--max-patterns", "0").maxPatterns());
        assertEquals(5, load(Map.of("SSE_MAX_NODE_PATTERNS", "5")).maxNodePatterns());
        SettingsException e = assertThrows(SettingsException.class, () -> load(Map.of(), "--max-patterns", "-1"));
        assertTrue(e.getMessage().startsWith("--max-patterns:"), e.getMessage());
        e = assertThrows(SettingsException.class, () -> load(Map.of(), "--max-node-patterns", "2000000"));
        assertTrue(e.getMessage().startsWith("--max-node-patterns:"), e.getMessage());
    }
}
