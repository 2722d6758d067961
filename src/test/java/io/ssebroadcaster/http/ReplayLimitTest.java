package io.ssebroadcaster.http;

import io.ssebroadcaster.Await;
import io.ssebroadcaster.Http;
import io.ssebroadcaster.RedisServer;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.SseClient;
import io.ssebroadcaster.TestServers;
import io.ssebroadcaster.config.SettingsException;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12, item 1: --max-replay-events and --max-replay-bytes bound what one resuming client is sent,
 * on both brokers, for names and patterns, streams and long polls: the newest events up to where live
 * delivery takes over, after the history-truncated signal.
 */
class ReplayLimitTest {

    @Test
    void theLimitsAreOptionsWithSafeDefaults() {
        assertEquals(10_000, TestServers.settings().maxReplayEvents());
        assertEquals(1 << 20, TestServers.settings().maxReplayBytes());
        assertEquals(5, TestServers.settings("--max-replay-events", "5").maxReplayEvents());
        for (String[] bad : List.of(new String[] {"--max-replay-events", "0"}, new String[] {"--max-replay-bytes", "100"})) {
            SettingsException e = assertThrows(SettingsException.class, () -> TestServers.settings(bad));
            assertTrue(e.getMessage().startsWith(bad[0] + ":"), e.getMessage());
        }
    }

    @Test
    void memoryBrokerSendsTheNewestWithinTheEventLimit() {
        try (SseBroadcaster server = TestServers.start("--max-replay-events", "3")) {
            assertNewestWithinLimit(server.port(), server.port(), "m-" + UUID.randomUUID());
        }
    }

    @Test
    void redisBrokerSendsTheNewestWithinTheEventLimitForNamesAndPatterns() {
        try (RedisServer redis = RedisServer.start();
             SseBroadcaster publisher = TestServers.start("--broker", "redis", "--redis-port",
                     Integer.toString(redis.port()));
             SseBroadcaster node = TestServers.start("--broker", "redis", "--redis-port",
                     Integer.toString(redis.port()), "--max-replay-events", "3")) {
            Await.until(() -> publisher.broker().isReady() && node.broker().isReady(), "nodes connected to Redis");
            assertNewestWithinLimit(publisher.port(), node.port(), "r-" + UUID.randomUUID());
        }
    }

    @Test
    void theByteLimitCountsWhatIsSent() {
        try (SseBroadcaster server = TestServers.start("--max-replay-bytes", "1024")) {
            String ch = "b-" + UUID.randomUUID();
            String first = Http.publish(server.port(), ch, "first");
            List<String> sent = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                String data = i + "-" + "y".repeat(300);
                Http.publish(server.port(), ch, data);
                sent.add(data);
            }
            try (SseClient sub = SseClient.open(server.port(), "channels=" + ch, "Last-Event-ID", first)) {
                List<SseClient.Received> got = sub.await(events -> !events.isEmpty()
                        && events.getLast().data().equals(sent.getLast()));
                assertEquals("sse-history-truncated", got.getFirst().event());
                assertEquals(sent.subList(sent.size() - 3, sent.size()), data(got.subList(1, got.size())),
                        "three events of about 330 bytes fit in 1024");
            }
        }
    }

    /**
     * Publishes 10 messages on two channels, then resumes from before all of them with a pattern, with
     * the names, and with a long poll: each time the newest three, then live events.
     */
    static void assertNewestWithinLimit(int publishPort, int resumePort, String prefix) {
        String a = prefix + ".a";
        String b = prefix + ".b";
        String start = Http.publish(publishPort, a, "start");
        List<String> all = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            Http.publish(publishPort, i % 2 == 0 ? a : b, "m" + i);
            all.add("m" + i);
        }
        for (String channels : List.of(prefix + ".*", a + "," + b)) {
            List<String> newest = List.copyOf(all.subList(all.size() - 3, all.size()));
            try (SseClient sub = SseClient.open(resumePort, "channels=" + channels, "Last-Event-ID", start)) {
                List<SseClient.Received> got = sub.await(events -> !events.isEmpty()
                        && events.getLast().data().equals(newest.getLast()));
                assertEquals("true", sub.response().headers().firstValue("X-SSE-History-Truncated").orElse(null));
                assertEquals("sse-history-truncated", got.getFirst().event());
                assertEquals(newest, data(got.subList(1, got.size())), channels);
                String live = "live-" + channels;
                Http.publish(publishPort, b, live);
                all.add(live);
                List<String> then = new ArrayList<>(newest);
                then.add(live);
                assertEquals(then, data(sub.await(events -> events.size() == 5).subList(1, 5)),
                        "then live, nothing twice");
            }
        }
        HttpResponse<String> poll = Http.get(resumePort, "/?transport=poll&channels=" + prefix + ".*&lastEventId=" + start);
        assertEquals("true", poll.headers().firstValue("X-SSE-History-Truncated").orElse(null));
        List<String> polled = poll.body().lines().filter(l -> l.startsWith("data: ") && !l.startsWith("data: {"))
                .map(l -> l.substring(6)).toList();
        assertEquals(all.subList(all.size() - 3, all.size()), polled);
    }

    static List<String> data(List<SseClient.Received> events) {
        return events.stream().map(SseClient.Received::data).toList();
    }
}
