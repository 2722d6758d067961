package io.ssebroadcaster.http;

import io.ssebroadcaster.Await;
import io.ssebroadcaster.Http;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.SseClient;
import io.ssebroadcaster.TestServers;
import jakarta.json.JsonArray;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** /stats lists subscriber counts per channel as cyclone_sse did, and forgets channels nobody watches. */
class StatsChannelsTest {

    @Test
    void perChannelCountsFollowSubscribersComingAndGoing() {
        // A departed client is noticed at the next write, so heartbeats bound how long it is counted
        try (SseBroadcaster server = TestServers.start("--heartbeat", "1")) {
            int port = server.port();
            try (SseClient a = SseClient.open(port, "channels=cats");
                 SseClient b = SseClient.open(port, "channels=cats,general");
                 SseClient c = SseClient.open(port, "channels=general")) {
                a.awaitComments(1);
                b.awaitComments(1);
                c.awaitComments(1);
                Await.until(() -> Http.json(Http.get(port, "/stats").body()).getJsonArray("channels").size() == 2, "two channels");
                JsonArray channels = Http.json(Http.get(port, "/stats").body()).getJsonArray("channels");
                assertEquals("[[\"cats\",2],[\"general\",2]]", channels.toString());
                assertEquals(3, Http.json(Http.get(port, "/stats").body()).getJsonObject("connections").getInt("stream"));
            }
            Await.until(() -> Http.json(Http.get(port, "/stats").body()).getJsonArray("channels").isEmpty(), "all gone");
        }
    }
}
