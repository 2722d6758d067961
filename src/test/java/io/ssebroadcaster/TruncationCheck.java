package io.ssebroadcaster;

import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Shared by the memory and Redis brokers' tests: a resume from before a 2-message history says so. */
public final class TruncationCheck {

    private TruncationCheck() {
    }

    /** {@code server} must run with {@code --history-size 2}. */
    public static void assertResumeBeyondHistoryIsReported(SseBroadcaster server) {
        String ch = "t-" + UUID.randomUUID();
        String first = Http.publish(server.port(), ch, "1");
        Http.publish(server.port(), ch, "2");
        Http.publish(server.port(), ch, "3");
        Http.publish(server.port(), ch, "4");
        try (SseClient sub = SseClient.open(server.port(), "channels=" + ch, "Last-Event-ID", first)) {
            assertEquals("true", sub.response().headers().firstValue("X-SSE-History-Truncated").orElseThrow());
            List<SseClient.Received> got = sub.awaitCount(3);
            assertEquals("sse-history-truncated", got.get(0).event());
            assertEquals(List.of("3", "4"), got.subList(1, 3).stream().map(SseClient.Received::data).toList());
        }
    }
}
