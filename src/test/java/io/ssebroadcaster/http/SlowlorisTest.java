package io.ssebroadcaster.http;

import io.ssebroadcaster.Await;
import io.ssebroadcaster.Http;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.SseClient;
import io.ssebroadcaster.TestServers;
import io.ssebroadcaster.config.Settings;
import io.ssebroadcaster.config.SettingsException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Slowloris, on loopback: connections that trickle (or never finish) a request head, idle sockets
 * and open streams fill the listener's socket cap ({@code --max-connections 50}: 306 sockets), and
 * publishes, health and metrics must still be answered on the same port; trickling heads and bodies
 * are cut at their total deadline, while idle streams, long polls and slow-but-honest publishes
 * are left alone.
 */
class SlowlorisTest {

    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean trickling = true;

    @AfterEach
    void closeAll() {
        trickling = false;
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // already gone
            }
        }
    }

    private Socket connect(int port) throws IOException {
        Socket s = new Socket();
        sockets.add(s);
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
        s.setTcpNoDelay(true);
        return s;
    }

    private static void send(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
    }

    /** An event stream on a raw socket, its response head read. */
    private Socket openStream(int port, String channel) throws IOException {
        Socket s = connect(port);
        s.setSoTimeout(10_000);
        send(s, "GET /?channels=" + channel + " HTTP/1.1\r\nHost: hub\r\nAccept: text/event-stream\r\n\r\n");
        String head = readUntil(s.getInputStream(), "\r\n\r\n");
        assertTrue(head.startsWith("HTTP/1.1 200"), head);
        return s;
    }

    private static String readUntil(InputStream in, String end) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (sb.indexOf(end) < 0) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed after: " + sb);
            }
            sb.append((char) b);
        }
        return sb.toString();
    }

    /**
     * Sockets that send a partial request head, then one more byte each period, forever; with
     * {@code reconnect}, one the server closes is replaced at once, as a real attacker would.
     */
    private List<Socket> trickle(int port, int count, long periodMillis, boolean reconnect) throws IOException {
        List<Socket> out = new CopyOnWriteArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(startHead(port));
        }
        Thread.ofVirtual().start(() -> {
            while (trickling) {
                for (int i = 0; i < out.size() && trickling; i++) {
                    try {
                        send(out.get(i), "a");
                    } catch (IOException e) {
                        if (reconnect) { // closed by the server: come back
                            try {
                                out.set(i, startHead(port));
                            } catch (IOException again) {
                                // try again next round
                            }
                        }
                    }
                }
                try {
                    Thread.sleep(periodMillis);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        return out;
    }

    private Socket startHead(int port) throws IOException {
        Socket s = connect(port);
        send(s, "POST /publish HTTP/1.1\r\nHost: hub\r\nX-");
        return s;
    }

    /** Whether the server has closed the socket (EOF or reset), looking without blocking long. */
    private static boolean closedByServer(Socket s) {
        try {
            s.setSoTimeout(20);
            InputStream in = s.getInputStream();
            while (true) {
                if (in.read() < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    /**
     * One request on a fresh connection, closed after the answer (a pooled keep-alive connection
     * could be one the server has just closed to make room), answered within a bound.
     *
     * @return the status code
     */
    private int rawRequest(int port, String method, String path, String body) throws IOException {
        try (Socket s = connect(port)) {
            s.setSoTimeout(8000);
            send(s, method + " " + path + " HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n"
                    + (body == null ? "" : "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: "
                    + body.length() + "\r\n") + "\r\n" + (body == null ? "" : body));
            String head;
            try {
                head = readUntil(s.getInputStream(), "\r\n\r\n");
            } catch (SocketTimeoutException e) {
                throw new AssertionError(method + " " + path + " not answered within 8 s", e);
            }
            return Integer.parseInt(head.substring(9, 12));
        }
    }

    @Test
    void publishesHealthAndMetricsGetInWhileStreamsAndTricklersFillTheSocketCap() throws IOException {
        // Defaults for the new limits: the head deadline (10 s) is longer than the waits below, so
        // what lets the publishes in is the room made at the cap, not the deadline
        try (SseBroadcaster server = TestServers.start("--max-connections", "50")) {
            int port = server.port();
            List<Socket> streams = new ArrayList<>();
            for (int i = 0; i < 45; i++) {
                streams.add(openStream(port, "live"));
            }
            Await.until(() -> server.hub().stats().streams() == 45, 10, TimeUnit.SECONDS, "45 streams");
            trickle(port, 320, 1000, true); // more than the 306 sockets the listener takes, coming back when closed
            for (int i = 0; i < 5; i++) { // and idle sockets that never send a byte
                connect(port);
            }
            for (int round = 0; round < 3; round++) {
                assertEquals(200, rawRequest(port, "POST", "/publish", "channel=live&message=round" + round));
                assertEquals(200, rawRequest(port, "GET", "/observe/health", null));
                assertEquals(200, rawRequest(port, "GET", "/observe/metrics", null));
            }
            assertEquals(45, server.hub().stats().streams(), "no stream was closed to make room");
            for (Socket s : List.of(streams.get(0), streams.get(44))) {
                assertTrue(readUntil(s.getInputStream(), "data: round2\n").contains("data: round0\n"));
            }
        }
    }

    @Test
    void headsAndBodiesHaveTotalDeadlinesThatIdleStreamsPollsAndHonestPublishesDoNotMeet() throws Exception {
        try (SseBroadcaster server = TestServers.start("--request-head-timeout", "2", "--request-body-timeout", "8",
                "--keepalive-timeout", "3", "--poll-timeout", "4")) {
            int port = server.port();
            try (SseClient stream = SseClient.open(port, "channels=quiet")) {
                List<Socket> heads = trickle(port, 20, 300, false);
                Socket silent = connect(port);
                Socket bodyTrickler = connect(port);
                send(bodyTrickler, "POST /publish HTTP/1.1\r\nHost: hub\r\n"
                        + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nchannel=");
                Thread.ofVirtual().start(() -> {
                    while (trickling) {
                        try {
                            send(bodyTrickler, "x");
                            Thread.sleep(300);
                        } catch (IOException | InterruptedException e) {
                            return;
                        }
                    }
                });
                Socket keptAlive = connect(port);
                keptAlive.setSoTimeout(5000);
                send(keptAlive, "GET /stats HTTP/1.1\r\nHost: hub\r\n\r\n");
                assertTrue(readUntil(keptAlive.getInputStream(), "\r\n\r\n").startsWith("HTTP/1.1 200"));

                // A publish whose body comes 4 s after its head (a long poll's time): past the head
                // deadline, within the body's
                Socket honest = connect(port);
                honest.setSoTimeout(10_000);
                String body = "channel=quiet&message=late";
                send(honest, "POST /publish HTTP/1.1\r\nHost: hub\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                        + "Content-Length: " + body.length() + "\r\n\r\n");
                HttpResponse<String> poll = Http.get(port, "/?channels=elsewhere&transport=poll");
                assertEquals(200, poll.statusCode(), "a long poll outlasting the head deadline is answered: " + poll.body());
                send(honest, body);
                assertTrue(readUntil(honest.getInputStream(), "\r\n\r\n").startsWith("HTTP/1.1 200"));

                Await.until(() -> heads.stream().allMatch(SlowlorisTest::closedByServer), 10, TimeUnit.SECONDS,
                        "every trickling head closed at its deadline");
                Await.until(() -> closedByServer(silent), 5, TimeUnit.SECONDS, "a silent connection closed");
                Await.until(() -> closedByServer(keptAlive), 5, TimeUnit.SECONDS, "an idle kept-alive connection closed");
                Await.until(() -> closedByServer(bodyTrickler), 15, TimeUnit.SECONDS, "a trickling body closed at its deadline");

                assertEquals(200, rawRequest(port, "POST", "/publish", "channel=quiet&message=still-here"));
                stream.await(events -> events.stream().anyMatch(e -> "still-here".equals(e.data())));
                assertTrue(stream.data().contains("late"), stream.data().toString());
                assertEquals(1, server.hub().stats().streams(), "the idle stream was never cut");
            }
        }
    }

    @Test
    void aPublishThatWaitsFor100ContinueIsServed() throws IOException {
        // curl sends Expect: 100-continue for bodies over 1 KiB: the interim answer must not end the body's deadline
        try (SseBroadcaster server = TestServers.start("--request-head-timeout", "2", "--request-body-timeout", "8")) {
            Socket s = connect(server.port());
            s.setSoTimeout(8000);
            String body = "channel=big&message=" + "x".repeat(2000);
            send(s, "POST /publish HTTP/1.1\r\nHost: hub\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                    + "Expect: 100-continue\r\nContent-Length: " + body.length() + "\r\n\r\n");
            assertTrue(readUntil(s.getInputStream(), "\r\n\r\n").startsWith("HTTP/1.1 100"));
            send(s, body);
            assertTrue(readUntil(s.getInputStream(), "\r\n\r\n").startsWith("HTTP/1.1 200"));
        }
    }

    @Test
    void theTimeoutsAreOptionsWithBounds() {
        for (String option : new String[] {"--request-head-timeout", "--request-body-timeout", "--keepalive-timeout"}) {
            assertThrows(SettingsException.class, () -> TestServers.settings(option, "0"), option);
            assertThrows(SettingsException.class, () -> TestServers.settings(option, "3601"), option);
        }
        Settings.RequestTimeouts defaults = TestServers.settings().requestTimeouts();
        assertEquals(new Settings.RequestTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(75), Duration.ofSeconds(30)),
                defaults);
    }
}
