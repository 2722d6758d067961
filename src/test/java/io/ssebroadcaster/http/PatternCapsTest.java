package io.ssebroadcaster.http;

import io.ssebroadcaster.Await;
import io.ssebroadcaster.Http;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.SubscribeAttempt;
import io.ssebroadcaster.TestServers;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Patterns are capped per subscription ({@code --max-patterns}) and per node
 * ({@code --max-node-patterns}, distinct patterns held by open subscriptions): beyond either, 400
 * with a JSON error naming the limit; a slot frees when the last subscriber of its pattern leaves.
 */
class PatternCapsTest {

    static String patterns(String prefix, int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> prefix + i + ".*").collect(Collectors.joining(","));
    }

    /** The defaults: 16 patterns in one subscription, and any number of named channels beside them. */
    @Test
    void aSubscriptionWithTooManyPatternsIsRefusedByDefault() {
        try (SseBroadcaster server = TestServers.start()) {
            SubscribeAttempt.open(server.port(), "channels=" + patterns("p", 0, 17)).assertRefused("--max-patterns 16");
            try (SubscribeAttempt ok = SubscribeAttempt.open(server.port(),
                    "channels=" + patterns("p", 0, 16) + "," + patterns("named-", 0, 40).replace(".*", ""))) {
                assertEquals(200, ok.status(), ok.body());
            }
            Http.publish(server.port(), "still-serving", "yes");
        }
    }

    @Test
    void patternsCanBeTurnedOff() {
        try (SseBroadcaster server = TestServers.start("--max-patterns", "0")) {
            SubscribeAttempt.open(server.port(), "channels=news,news.*").assertRefused("disabled");
            try (SubscribeAttempt ok = SubscribeAttempt.open(server.port(), "channels=news")) {
                assertEquals(200, ok.status(), ok.body());
            }
        }
    }

    /**
     * The node holds at most 10 distinct patterns: shared ones count once, a new one beyond the cap
     * is refused (a stream and a long poll alike), and a slot frees once its pattern's last
     * subscriber left (noticed within a second).
     */
    @Test
    void theNodeCapCountsDistinctPatternsAndFreesThemOnDeparture() {
        try (SseBroadcaster server = TestServers.start("--max-patterns", "4", "--max-node-patterns", "10")) {
            int port = server.port();
            List<SubscribeAttempt> open = new ArrayList<>();
            try {
                open.add(SubscribeAttempt.open(port, "channels=" + patterns("a", 0, 4)));
                open.add(SubscribeAttempt.open(port, "channels=" + patterns("a", 4, 8)));
                open.add(SubscribeAttempt.open(port, "channels=" + patterns("a", 0, 4))); // the same four: no new slot
                SubscribeAttempt lastTwo = SubscribeAttempt.open(port, "channels=" + patterns("a", 8, 10) + ",plain");
                open.add(lastTwo);
                for (SubscribeAttempt a : open) {
                    assertEquals(200, a.status(), a.body());
                }
                SubscribeAttempt.open(port, "channels=a0.*,b.*").assertRefused("--max-node-patterns 10");
                SubscribeAttempt.open(port, "channels=b.*&transport=poll").assertRefused("--max-node-patterns 10");
                try (SubscribeAttempt held = SubscribeAttempt.open(port, "channels=a9.*,a0.*,other")) {
                    assertEquals(200, held.status(), "patterns in use fit at the cap: " + held.body());
                }
                // a8.* and a9.* leave with their last subscriber (the one just closed held a9.* too)
                lastTwo.close();
                AtomicReference<SubscribeAttempt> got = new AtomicReference<>();
                Await.until(() -> {
                    SubscribeAttempt a = SubscribeAttempt.open(port, "channels=b.*,c.*");
                    if (a.accepted()) {
                        got.set(a);
                        return true;
                    }
                    a.assertRefused("--max-node-patterns 10");
                    return false;
                }, "two slots freed by the departure");
                open.add(got.get());
                SubscribeAttempt.open(port, "channels=d.*").assertRefused("--max-node-patterns 10");
                Http.publish(port, "still-serving", "yes");
            } finally {
                open.forEach(SubscribeAttempt::close);
            }
        }
    }
}
