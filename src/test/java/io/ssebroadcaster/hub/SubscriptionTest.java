package io.ssebroadcaster.hub;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SubscriptionTest {

    static Event event(long n) {
        return Event.of(new EventId(n, 0), List.of("c"), null, "m" + n);
    }

    @Test
    void overflowEndsTheSubscriptionAsSlowWithoutBlocking() {
        AtomicReference<Subscription> ended = new AtomicReference<>();
        Subscription s = new Subscription(List.of("c"), Subscription.Transport.STREAM, 3, EventId.ZERO, ended::set, new java.util.concurrent.atomic.LongAdder());
        assertTrue(s.offer(event(1)));
        assertTrue(s.offer(event(2)));
        assertTrue(s.offer(event(3)));
        assertFalse(s.offer(event(4)));
        assertEquals(Subscription.EndReason.SLOW, s.endReason());
        assertEquals(s, ended.get());
        assertFalse(s.awaitBatch(new ArrayList<>(), 1, TimeUnit.SECONDS));
    }

    @Test
    void batchTakesEverythingQueuedInOrderAndDropsRepeats() {
        Subscription s = new Subscription(List.of("c"), Subscription.Transport.STREAM, 100, EventId.ZERO, x -> { }, new java.util.concurrent.atomic.LongAdder());
        for (int i = 1; i <= 10; i++) {
            s.offer(event(i));
        }
        assertFalse(s.offer(event(5)), "an id not after the last offered is a repeat");
        List<Event> batch = new ArrayList<>();
        assertTrue(s.awaitBatch(batch, 0, TimeUnit.SECONDS));
        assertEquals(10, batch.size());
        assertEquals("m1", batch.get(0).data());
        assertEquals("m10", batch.get(9).data());
        batch.clear();
        assertTrue(s.awaitBatch(batch, 10, TimeUnit.MILLISECONDS));
        assertTrue(batch.isEmpty(), "timeout leaves the batch empty");
    }

    @Test
    void heartbeatOnlyForIdleSubscriptionsAndNeverCountedAgainstTheLimit() {
        Subscription s = new Subscription(List.of("c"), Subscription.Transport.STREAM, 1, EventId.ZERO, x -> { }, new java.util.concurrent.atomic.LongAdder());
        s.markWritten();
        s.heartbeatIfIdleSince(System.nanoTime() - TimeUnit.HOURS.toNanos(1));
        List<Event> batch = new ArrayList<>();
        s.awaitBatch(batch, 0, TimeUnit.SECONDS);
        assertTrue(batch.isEmpty(), "written recently: no heartbeat");
        s.heartbeatIfIdleSince(System.nanoTime() + 1);
        s.awaitBatch(batch, 0, TimeUnit.SECONDS);
        assertEquals(List.of(Subscription.HEARTBEAT), batch);
        assertTrue(s.offer(event(1)));
        s.heartbeatIfIdleSince(System.nanoTime() + 1);
        assertEquals(null, s.endReason());
    }

    @Test
    void endWakesAWaitingTakerAndRunsTheHook() throws Exception {
        Subscription s = new Subscription(List.of("c"), Subscription.Transport.STREAM, 10, EventId.ZERO, x -> { }, new java.util.concurrent.atomic.LongAdder());
        AtomicReference<Boolean> result = new AtomicReference<>();
        Thread t = Thread.ofVirtual().start(() -> result.set(s.awaitBatch(new ArrayList<>(), 1, TimeUnit.DAYS)));
        boolean[] hookRan = {false};
        s.onEnd(() -> hookRan[0] = true);
        s.end(Subscription.EndReason.SHUTDOWN);
        t.join(5000);
        assertEquals(false, result.get());
        assertTrue(hookRan[0]);
    }
}
