package io.ssebroadcaster.observe;

import io.ssebroadcaster.Await;
import io.ssebroadcaster.Http;
import io.ssebroadcaster.RedisServer;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.SseClient;
import io.ssebroadcaster.TestServers;
import io.ssebroadcaster.config.Settings;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ObservabilityTest {

    @Test
    void metricsShowAConnectionsGaugeOfThreeWithThreeSubscribers() {
        try (SseBroadcaster server = TestServers.start();
             SseClient a = SseClient.open(server.port(), "channels=m1");
             SseClient b = SseClient.open(server.port(), "channels=m1");
             SseClient c = SseClient.open(server.port(), "channels=m2")) {
            a.awaitComments(1);
            b.awaitComments(1);
            c.awaitComments(1);
            Http.publish(server.port(), "m1", "x");
            a.awaitCount(1);
            b.awaitCount(1);
            Await.until(() -> server.hub().stats().deliveries() == 2, "deliveries counted");
            String metrics = Http.get(server.port(), "/observe/metrics").body();
            assertTrue(metrics.contains("# TYPE sse_connections gauge"), metrics);
            assertTrue(line(metrics, "sse_connections{").contains("transport=\"stream\"") , metrics);
            assertEquals(3.0, value(metrics, "sse_connections{", "transport=\"stream\""));
            assertEquals(2.0, value(metrics, "sse_channels{", ""));
            assertEquals(1.0, value(metrics, "sse_messages_published_total{", ""));
            assertEquals(2.0, value(metrics, "sse_deliveries_total{", ""));
            assertEquals(0.0, value(metrics, "sse_slow_subscribers_dropped_total{", ""));
            assertTrue(metrics.contains("sse_fanout_seconds_bucket"), "fan-out histogram");
            assertTrue(metrics.contains("# HELP sse_replayed_events_total"));
            assertTrue(metrics.contains("# HELP sse_redis_reconnects_total"));
        }
    }

    static String line(String metrics, String prefix) {
        return metrics.lines().filter(l -> l.startsWith(prefix)).findFirst().orElse("");
    }

    static double value(String metrics, String prefix, String mustContain) {
        String l = metrics.lines().filter(x -> x.startsWith(prefix) && x.contains(mustContain)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + prefix + " in\n" + metrics));
        return Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1));
    }

    @Test
    void healthIsReadyWithTheMemoryBrokerAndNotReadyWithoutRedis() {
        try (SseBroadcaster server = TestServers.start()) {
            assertEquals(200, Http.get(server.port(), "/observe/health").statusCode());
            assertEquals(200, Http.get(server.port(), "/observe/health/live").statusCode());
            assertEquals(200, Http.get(server.port(), "/observe/health/ready").statusCode());
        }
        int port = RedisServer.freePort();
        try (SseBroadcaster server = TestServers.start("--broker", "redis", "--redis-port", Integer.toString(port))) {
            assertEquals(503, Http.get(server.port(), "/observe/health/ready").statusCode(), "Redis is down");
            assertEquals(200, Http.get(server.port(), "/observe/health/live").statusCode(), "but the process lives");
            try (RedisServer redis = RedisServer.startOnPort(port)) {
                Await.until(() -> Http.get(server.port(), "/observe/health/ready").statusCode() == 200,
                        20, TimeUnit.SECONDS, "ready once Redis is up");
            }
        }
    }

    @Test
    void graphiteExportSendsPerChannelCountsAndTotalsToAListener() throws Exception {
        try (ServerSocket graphite = new ServerSocket(0)) {
            List<String> lines = new CopyOnWriteArrayList<>();
            Thread listener = Thread.ofVirtual().start(() -> {
                try (Socket s = graphite.accept();
                     BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (Exception e) {
                    // closed at the end of the test
                }
            });
            try (SseBroadcaster server = TestServers.start("--export", "graphite", "--export-host", "127.0.0.1",
                    "--export-port", Integer.toString(graphite.getLocalPort()), "--export-interval", "1",
                    "--export-path", "stats.sse");
                 SseClient a = SseClient.open(server.port(), "channels=cats");
                 SseClient b = SseClient.open(server.port(), "channels=cats,news.sport")) {
                a.awaitComments(1);
                b.awaitComments(1);
                Await.until(() -> lines.stream().anyMatch(l -> l.startsWith("stats.sse.cats 2 "))
                        && lines.stream().anyMatch(l -> l.startsWith("stats.sse.news_sport 1 "))
                        && lines.stream().anyMatch(l -> l.startsWith("stats.sse.total.connections 2 ")),
                        10, TimeUnit.SECONDS, "graphite lines, got " + lines);
                String sample = lines.stream().filter(l -> l.startsWith("stats.sse.cats ")).findFirst().orElseThrow();
                long ts = Long.parseLong(sample.split(" ")[2]);
                assertTrue(Math.abs(ts - System.currentTimeMillis() / 1000) < 60, "plaintext timestamps are epoch seconds");
            }
            listener.interrupt();
        }
    }

    @Test
    void logFileAndPidFile(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path log = dir.resolve("sse.log");
        Path pid = dir.resolve("sse.pid");
        Settings settings = TestServers.settings("--log-level", "debug", "--logfile", log.toString(), "--pidfile", pid.toString());
        Logger root = Logger.getLogger("");
        var savedHandlers = root.getHandlers();
        Level savedLevel = root.getLevel();
        try {
            ProcessFiles.configureLogging(settings.logging());
            ProcessFiles.writePidFile(settings.logging().pidfile());
            Logger.getLogger("io.ssebroadcaster.test").fine("a debug line");
            assertEquals(Long.toString(ProcessHandle.current().pid()), Files.readString(pid).trim());
            for (var h : root.getHandlers()) {
                h.flush();
            }
            assertTrue(Files.readString(log).contains("a debug line"));
        } finally {
            for (var h : root.getHandlers()) {
                root.removeHandler(h);
                h.close();
            }
            for (var h : savedHandlers) {
                root.addHandler(h);
            }
            root.setLevel(savedLevel);
        }
    }
}
