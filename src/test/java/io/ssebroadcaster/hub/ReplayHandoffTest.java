package io.ssebroadcaster.hub;

import io.ssebroadcaster.history.MemoryHistory;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hand-over from replay to live events, now that the replay is read outside the hub's lock: a
 * subscriber's replay followed by what its outbox then holds is every event once, in order.
 */
class ReplayHandoffTest {

    static final Event KEEP_ALIVE = new Event(EventId.ZERO, List.of(), null, "", new byte[0]);

    static Hub hub(int queueLimit, ReplayLimit replay) {
        return new Hub(new MemoryHistory(1_000_000, 0, 1L << 30, EventId.ZERO), ChannelInterest.NONE, Backlog.NONE,
                new Hub.Limits(queueLimit, Duration.ofSeconds(20), Duration.ofSeconds(1), replay),
                KEEP_ALIVE, EventId.ZERO, nanos -> { });
    }

    static Event event(long n, String channel) {
        return new Event(new EventId(n, 0), List.of(channel), null, Long.toString(n), new byte[10]);
    }

    static final Drain IGNORE = new Drain() {
        @Override
        public void ready(Subscription subscription) {
        }

        @Override
        public void ended(Subscription subscription, Subscription.EndReason reason) {
        }
    };

    @Test
    void resumingWhileEventsArriveGivesEachEventOnceInOrder() throws Exception {
        int total = 20_000;
        try (Hub hub = hub(1_000_000, ReplayLimit.NONE)) {
            Thread deliverer = Thread.ofPlatform().start(() -> {
                for (int n = 1; n <= total; n++) {
                    hub.deliver(event(n, "c"));
                }
            });
            List<Long> got = new ArrayList<>();
            EventId last = EventId.ZERO;
            int resumes = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (got.size() < total && System.nanoTime() < deadline) {
                Hub.Subscribed s = hub.subscribe(List.of("c"), last, Subscription.Kind.STREAM, null, IGNORE);
                List<Event> events = new ArrayList<>(s.replay().events());
                s.subscription().outbox().drainTo(events); // what the transport writes after the replay
                hub.end(s.subscription(), Subscription.EndReason.CLOSED);
                for (Event e : events) {
                    got.add(e.id().millis());
                    last = e.id();
                }
                resumes++;
            }
            deliverer.join();
            assertEquals(total, got.size(), "every event, once");
            for (int i = 0; i < total; i++) {
                assertEquals(i + 1, got.get(i), "in order at " + i);
            }
            assertTrue(resumes > 1);
        }
    }

    @Test
    void aCutReplayIsTheNewestPartUpToWhereLiveEventsTakeOver() {
        try (Hub hub = hub(100, new ReplayLimit(3, 1 << 20))) {
            for (int n = 1; n <= 10; n++) {
                hub.deliver(event(n, "c"));
            }
            Hub.Subscribed s = hub.subscribe(List.of("c"), new EventId(1, 0), Subscription.Kind.STREAM, null, IGNORE);
            assertEquals(List.of(8L, 9L, 10L), s.replay().events().stream().map(e -> e.id().millis()).toList());
            assertTrue(s.replay().truncated());
            hub.deliver(event(11, "c"));
            List<Event> live = new ArrayList<>();
            s.subscription().outbox().drainTo(live);
            assertEquals(List.of(11L), live.stream().map(e -> e.id().millis()).toList());
        }
    }

    @Test
    void eventsQueuedWhileTheReplayWasReadAreNotSentTwice() {
        Outbox outbox = new Outbox(10);
        for (int n = 5; n <= 8; n++) {
            outbox.offer(event(n, "c"));
        }
        outbox.skipThrough(new EventId(6, 0));
        List<Event> out = new ArrayList<>();
        outbox.drainTo(out);
        assertEquals(List.of(7L, 8L), out.stream().map(e -> e.id().millis()).toList());
        outbox.skipThrough(new EventId(10, 0));
        assertEquals(Outbox.Offer.DUPLICATE, outbox.offer(event(9, "c")), "the replay sent it");
        assertEquals(Outbox.Offer.DUPLICATE, outbox.offer(event(10, "c")), "the replay sent it");
        assertEquals(Outbox.Offer.QUEUED_FIRST, outbox.offer(event(11, "c")));
        out.clear();
        outbox.drainTo(out);
        assertEquals(List.of(11L), out.stream().map(e -> e.id().millis()).toList());
    }
}
