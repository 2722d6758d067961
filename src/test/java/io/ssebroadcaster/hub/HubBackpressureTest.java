package io.ssebroadcaster.hub;

import io.ssebroadcaster.Await;
import io.ssebroadcaster.history.MemoryHistory;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * When most streams fall behind together the server is the slow one: publishes are refused instead
 * of overflowing every outbox. A few slow subscribers never block publishing.
 */
class HubBackpressureTest {

    static Hub hub() {
        return new Hub(new MemoryHistory(100, 0, 1 << 20, EventId.ZERO), ChannelInterest.NONE, 10,
                Duration.ofSeconds(20), EventId.ZERO, nanos -> { });
    }

    static void publish(Hub hub, int n) {
        hub.admit();
        hub.deliver(Event.of(new EventId(n, 0), List.of("c"), null, "m" + n));
    }

    @Test
    void publishesAreRefusedWhileMostStreamsLagAndAcceptedOnceTheyCatchUp() {
        Hub hub = hub();
        try {
            List<Subscription> subs = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                subs.add(hub.subscribe(List.of("c"), null, Subscription.Transport.STREAM).subscription());
            }
            for (int n = 1; n <= 5; n++) {
                publish(hub, n);
            }
            Await.until(() -> hub.stats().deliveries() == 50, "fan-out");
            // all 10 outboxes are half full (5 of 10): the next publish waits for the writers
            assertThrows(HubOverloadedException.class, () -> publish(hub, 6));
            subs.forEach(s -> assertNull(s.endReason(), "no reader was dropped"));
            for (Subscription s : subs) {
                List<Event> batch = new ArrayList<>();
                s.awaitBatch(batch, 0, TimeUnit.SECONDS);
                assertEquals(5, batch.size());
            }
            publish(hub, 7);
            Await.until(() -> hub.stats().deliveries() == 60, "accepted again once drained");
        } finally {
            hub.close();
        }
    }

    @Test
    void oneSlowSubscriberNeverBlocksThePublisher() {
        Hub hub = hub();
        try {
            Subscription slow = hub.subscribe(List.of("c"), null, Subscription.Transport.STREAM).subscription();
            for (int n = 1; n <= 11; n++) {
                publish(hub, n); // never refused; the slow one overflows its own outbox
            }
            Await.until(() -> slow.endReason() == Subscription.EndReason.SLOW, "slow subscriber dropped");
            assertEquals(1, hub.stats().slowDropped());
        } finally {
            hub.close();
        }
    }
}
