package io.ssebroadcaster.observe;

import io.ssebroadcaster.Await;
import io.ssebroadcaster.Http;
import io.ssebroadcaster.RedisServer;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.SseClient;
import io.ssebroadcaster.TestServers;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's nginx block, run in a real nginx in front of two nodes sharing Redis: events pass
 * at once (also with nginx's default proxy_buffering on), and a client whose node dies resumes on the
 * other one without loss.
 */
class NginxTest {

    @TempDir
    Path dir;

    /** The configuration between the README's markers, pointed at our nodes and port. */
    static String readmeBlock(int nodeA, int nodeB, int listen, boolean keepBufferingOff) throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        int start = readme.indexOf("<!-- nginx-config-start -->");
        int end = readme.indexOf("<!-- nginx-config-end -->");
        assertTrue(start > 0 && end > start, "README has the nginx block markers");
        List<String> lines = new ArrayList<>();
        for (String line : readme.substring(start, end).lines().skip(1).toList()) {
            if (!keepBufferingOff && line.contains("proxy_buffering")) {
                continue;
            }
            lines.add(line.replaceFirst("^    ", ""));
        }
        return String.join("\n", lines)
                .replace("127.0.0.1:8888", "127.0.0.1:" + nodeA)
                .replace("127.0.0.1:8889", "127.0.0.1:" + nodeB)
                .replace("listen 80;", "listen 127.0.0.1:" + listen + ";");
    }

    Process startNginx(String serverBlocks) throws IOException {
        for (String sub : new String[] {"body", "proxy", "fastcgi", "uwsgi", "scgi"}) {
            Files.createDirectories(dir.resolve(sub));
        }
        String conf = """
                worker_processes 1;
                daemon off;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log;
                events { worker_connections 1024; }
                http {
                    access_log off;
                    client_body_temp_path %1$s/body;
                    proxy_temp_path %1$s/proxy;
                    fastcgi_temp_path %1$s/fastcgi;
                    uwsgi_temp_path %1$s/uwsgi;
                    scgi_temp_path %1$s/scgi;
                %2$s
                }
                """.formatted(dir, serverBlocks);
        Path file = dir.resolve("nginx.conf");
        Files.writeString(file, conf);
        String nginx = Files.isExecutable(Path.of("/usr/sbin/nginx")) ? "/usr/sbin/nginx" : "nginx";
        return new ProcessBuilder(nginx, "-e", dir.resolve("error.log").toString(), "-p", dir.toString(), "-c", file.toString())
                .redirectErrorStream(true)
                .redirectOutput(new File(dir.resolve("nginx.out").toString()))
                .start();
    }

    static boolean accepting(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @ParameterizedTest(name = "proxy_buffering off line kept: {0}")
    @ValueSource(booleans = {true, false})
    void eventsPassAtOnceAndAClientResumesOnTheOtherNode(boolean bufferingOffLineKept) throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            String[] flags = {"--broker", "redis", "--redis-port", Integer.toString(redis.port())};
            SseBroadcaster a = TestServers.start(flags);
            SseBroadcaster b = TestServers.start(flags);
            int nginxPort = RedisServer.freePort();
            Process nginx = startNginx(readmeBlock(a.port(), b.port(), nginxPort, bufferingOffLineKept));
            try {
                Await.until(() -> accepting(nginxPort), "nginx listening");
                Await.until(() -> a.broker().isReady() && b.broker().isReady(), "nodes connected to Redis");
                String ch = "n-" + UUID.randomUUID();
                List<String> got = new ArrayList<>();
                String lastId;
                SseBroadcaster servedBy;
                try (SseClient sub = open(nginxPort, "channels=" + ch)) {
                    assertEquals(200, sub.status());
                    sub.awaitComments(1); // the preamble came through at once
                    servedBy = a.hub().stats().streams() == 1 ? a : b;
                    publishVia(nginxPort, ch, "small-1");
                    // A few bytes would sit in nginx's buffer for good if X-Accel-Buffering were ignored
                    List<SseClient.Received> first = sub.await(e -> e.size() >= 1, 5, TimeUnit.SECONDS);
                    got.add(first.get(0).data());
                    lastId = first.get(0).id();
                }
                // The client's node goes away; messages keep coming while it is gone
                servedBy.close();
                publishVia(nginxPort, ch, "while-away-1");
                publishVia(nginxPort, ch, "while-away-2");
                try (SseClient again = open(nginxPort, "channels=" + ch, "Last-Event-ID", lastId)) {
                    List<SseClient.Received> rest = again.await(e -> e.size() >= 2, 10, TimeUnit.SECONDS);
                    rest.forEach(e -> got.add(e.data()));
                    publishVia(nginxPort, ch, "live-again");
                    got.add(again.await(e -> e.size() >= 3, 5, TimeUnit.SECONDS).get(2).data());
                }
                assertEquals(List.of("small-1", "while-away-1", "while-away-2", "live-again"), got);
            } finally {
                nginx.destroy();
                nginx.waitFor(5, TimeUnit.SECONDS);
                a.close();
                b.close();
            }
        }
    }

    static SseClient open(int nginxPort, String query, String... headers) {
        return SseClient.openUrl(URI.create("http://127.0.0.1:" + nginxPort + "/sse/?" + query), headers);
    }

    static void publishVia(int nginxPort, String channel, String message) {
        var r = Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + nginxPort + "/sse/publish"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("channel=" + channel + "&message=" + message))
                .build());
        assertEquals(200, r.statusCode(), r.body());
    }
}
