package io.ssebroadcaster.hub;

import io.ssebroadcaster.history.MemoryHistory;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hub's promises, with a drain that only records what it is told (no HTTP, no writers). */
class HubTest {

    static final Event KEEP_ALIVE = new Event(EventId.ZERO, List.of(), null, "", new byte[0]);
    static final Hub.Limits LIMITS = new Hub.Limits(10, Duration.ofSeconds(20), Duration.ofSeconds(1));

    /** Records the hub's calls; never writes anything, so outboxes fill up. */
    static final class RecordingDrain implements Drain {
        final List<Subscription> ready = new CopyOnWriteArrayList<>();
        final List<Subscription.EndReason> ended = new CopyOnWriteArrayList<>();

        @Override
        public void ready(Subscription subscription) {
            ready.add(subscription);
        }

        @Override
        public void ended(Subscription subscription, Subscription.EndReason reason) {
            ended.add(reason);
        }
    }

    static Hub hub(Backlog backlog) {
        return new Hub(new MemoryHistory(100, 0, 1 << 20, EventId.ZERO), ChannelInterest.NONE, backlog, LIMITS,
                KEEP_ALIVE, EventId.ZERO, nanos -> { });
    }

    static Event event(long n, String... channels) {
        return new Event(new EventId(n, 0), List.of(channels), null, "m" + n, new byte[1]);
    }

    static Subscription subscribe(Hub hub, Drain drain, String... channels) {
        return hub.subscribe(List.of(channels), null, Subscription.Kind.STREAM, null, drain).subscription();
    }

    @Test
    void theDrainIsToldOnlyWhenAnOutboxStopsBeingEmpty() {
        try (Hub hub = hub(Backlog.NONE)) {
            RecordingDrain drain = new RecordingDrain();
            Subscription sub = subscribe(hub, drain, "c");
            hub.deliver(event(1, "c"));
            hub.deliver(event(2, "c"));
            assertEquals(1, drain.ready.size(), "one wake-up for two events");
            sub.outbox().drainTo(new ArrayList<>());
            hub.deliver(event(3, "c"));
            assertEquals(2, drain.ready.size());
        }
    }

    @Test
    void anEventOnTwoOfAClientsChannelsIsQueuedOnce() {
        try (Hub hub = hub(Backlog.NONE)) {
            Subscription sub = subscribe(hub, new RecordingDrain(), "a", "b", "a*");
            hub.deliver(event(1, "a", "b"));
            assertEquals(1, sub.outbox().size());
            assertEquals(1, hub.stats().deliveries());
            assertEquals(1, hub.stats().published());
        }
    }

    @Test
    void aClientThatDoesNotReadIsCutOffAloneAndThePublisherNeverWaits() {
        try (Hub hub = hub(Backlog.NONE)) {
            RecordingDrain slowDrain = new RecordingDrain();
            Subscription slow = subscribe(hub, slowDrain, "c");
            Subscription other = subscribe(hub, new RecordingDrain(), "other");
            for (int n = 1; n <= 11; n++) {
                hub.admit(); // never refused: a slow client says nothing about the server
                hub.deliver(event(n, "c"));
            }
            assertEquals(Subscription.EndReason.SLOW, slow.endReason());
            assertEquals(List.of(Subscription.EndReason.SLOW), slowDrain.ended);
            assertEquals(1, hub.stats().slowDropped());
            assertNull(other.endReason());
            assertEquals(List.of(Map.entry("other", 1)), hub.stats().channels(), "the cut one left its channel");
        }
    }

    @Test
    void workIsRefusedOnlyWhileTheWritersAreBehind() {
        AtomicLong behind = new AtomicLong();
        try (Hub hub = hub(behind::get)) {
            hub.admit();
            behind.set(LIMITS.maxBacklog().toNanos() + 1);
            assertThrows(HubOverloadedException.class, hub::admit);
            assertThrows(HubOverloadedException.class, () -> subscribe(hub, new RecordingDrain(), "c"));
            hub.deliver(event(1, "c")); // accepted elsewhere: delivered anyway
            behind.set(0);
            hub.admit();
        }
    }

    @Test
    void endingLeavesChannelsAndCountsAtOnceAndOnlyOnce() {
        try (Hub hub = hub(Backlog.NONE)) {
            RecordingDrain drain = new RecordingDrain();
            Subscription sub = subscribe(hub, drain, "c");
            assertEquals(1, hub.stats().streams());
            hub.end(sub, Subscription.EndReason.CLOSED);
            hub.end(sub, Subscription.EndReason.SLOW);
            assertEquals(0, hub.stats().streams());
            assertTrue(hub.stats().channels().isEmpty());
            assertEquals(List.of(Subscription.EndReason.CLOSED), drain.ended);
            assertEquals(0, hub.stats().slowDropped());
            hub.deliver(event(1, "c"));
            assertTrue(sub.outbox().isEmpty(), "nothing reaches an ended subscription");
        }
    }

    @Test
    void shutdownKeepsWhatWasQueuedAndRefusesMore() {
        Hub hub = hub(Backlog.NONE);
        RecordingDrain drain = new RecordingDrain();
        Subscription sub = subscribe(hub, drain, "c");
        hub.deliver(event(1, "c"));
        hub.close();
        assertEquals(List.of(Subscription.EndReason.SHUTDOWN), drain.ended);
        assertEquals(1, sub.outbox().size(), "accepted before shutdown: still to be written");
        assertThrows(HubClosedException.class, hub::admit);
        assertThrows(HubClosedException.class, () -> hub.deliver(event(2, "c")));
        assertThrows(HubClosedException.class, () -> subscribe(hub, new RecordingDrain(), "c"));
    }
}
