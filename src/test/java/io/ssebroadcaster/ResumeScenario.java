package io.ssebroadcaster;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntUnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A publisher keeps publishing 0, 1, 2, ... while a client reads a few events, drops, and comes back
 * with its Last-Event-ID, again and again: in the end it must have every message once, in order.
 */
public final class ResumeScenario {

    private ResumeScenario() {
    }

    /**
     * @param publishPort   which port the i-th message is published on
     * @param subscribePort which port the n-th connection goes to
     * @return how many connections the client made
     */
    public static int run(String channel, int total, IntUnaryOperator publishPort, IntUnaryOperator subscribePort)
            throws InterruptedException {
        return run(channel, channel, total, publishPort, subscribePort);
    }

    /**
     * As above, subscribing to {@code subscribeTo} (a pattern, say) and publishing to {@code publishTo},
     * a channel it covers.
     */
    public static int run(String subscribeTo, String publishTo, int total, IntUnaryOperator publishPort,
                          IntUnaryOperator subscribePort) throws InterruptedException {
        AtomicBoolean failed = new AtomicBoolean();
        List<String> got = new ArrayList<>();
        String lastId = null;
        Thread publisher;
        int connections = 1;
        // Subscribed before the first publish, so the first connection misses nothing
        try (SseClient first = SseClient.open(subscribePort.applyAsInt(0), "channels=" + subscribeTo)) {
            first.awaitComments(1);
            publisher = Thread.ofPlatform().start(() -> {
                try {
                    for (int i = 0; i < total; i++) {
                        Http.publish(publishPort.applyAsInt(i), publishTo, Integer.toString(i));
                    }
                } catch (RuntimeException | AssertionError e) {
                    failed.set(true);
                }
            });
            lastId = take(first, 10, got);
        }
        while (got.size() < total) {
            try (SseClient sub = SseClient.open(subscribePort.applyAsInt(connections++), "channels=" + subscribeTo,
                    "Last-Event-ID", lastId)) {
                lastId = take(sub, Math.min(total - got.size(), 1 + got.size() % 37), got);
            }
        }
        publisher.join();
        assertFalse(failed.get(), "publisher failed");
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            expected.add(Integer.toString(i));
        }
        assertEquals(expected, got);
        assertTrue(connections > 5, "the scenario should reconnect several times");
        return connections;
    }

    /** Reads {@code n} events into {@code into}; returns the id of the last. */
    private static String take(SseClient client, int n, List<String> into) {
        String lastId = null;
        for (SseClient.Received e : client.awaitCount(n).subList(0, n)) {
            into.add(e.data());
            lastId = e.id();
        }
        return lastId;
    }
}
