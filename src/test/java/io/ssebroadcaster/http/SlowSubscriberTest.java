package io.ssebroadcaster.http;

import io.ssebroadcaster.Await;
import io.ssebroadcaster.Http;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.SseClient;
import io.ssebroadcaster.TestServers;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A subscriber that stops reading is cut off and counted; the others keep receiving. */
class SlowSubscriberTest {

    @Test
    void subscriberThatStopsReadingIsDroppedWhileOthersKeepReceiving() throws Exception {
        try (SseBroadcaster server = TestServers.start("--queue-limit", "8", "--max-message-bytes", "65536");
             Socket stalled = new Socket()) {
            int port = server.port();
            stalled.setReceiveBufferSize(4096);
            stalled.connect(new InetSocketAddress("127.0.0.1", port));
            OutputStream out = stalled.getOutputStream();
            out.write(("GET /?channels=slow HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // never read from `stalled` again
            try (SseClient healthy = SseClient.open(port, "channels=slow")) {
                Await.until(() -> server.hub().stats().streams() == 2, "both subscribed");
                String big = "x".repeat(60_000);
                int sent = 0;
                // Socket buffers absorb a few MB before writes block; keep publishing until the cut-off
                while (server.hub().stats().slowDropped() == 0 && sent < 2000) {
                    Http.publish(port, "slow", big);
                    sent++;
                }
                assertEquals(1, server.hub().stats().slowDropped(), "the stalled subscriber is dropped");
                int total = sent;
                healthy.await(events -> events.size() == total, 30, TimeUnit.SECONDS);
                Http.publish(port, "slow", "after");
                healthy.await(events -> events.size() == total + 1 && events.get(total).data().equals("after"));
                Await.until(() -> server.hub().stats().streams() == 1, "stalled stream closed");
                var stats = Http.json(Http.get(port, "/stats").body());
                assertEquals(1, stats.getInt("slowDropped"));
                assertTrue(sent > 8);
            }
        }
    }
}
