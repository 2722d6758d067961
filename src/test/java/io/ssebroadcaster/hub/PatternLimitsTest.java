package io.ssebroadcaster.hub;

import io.ssebroadcaster.history.MemoryHistory;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hub with pattern caps in front of its broker interest: exact under races, freed on departure. */
class PatternLimitsTest {

    /** A broker's side of it: how many subscriptions follow each name, and the most distinct patterns ever followed. */
    static final class Upstream implements ChannelInterest {
        final Map<String, Integer> followers = new HashMap<>();
        int mostPatterns;

        @Override
        public synchronized void follow(List<String> names) {
            names.forEach(n -> followers.merge(n, 1, Integer::sum));
            mostPatterns = Math.max(mostPatterns, patterns());
        }

        @Override
        public synchronized void unfollow(List<String> names) {
            names.forEach(n -> followers.computeIfPresent(n, (k, c) -> c == 1 ? null : c - 1));
        }

        synchronized int patterns() {
            return (int) followers.keySet().stream().filter(ChannelName::isPattern).count();
        }

        synchronized int names() {
            return followers.size();
        }
    }

    private static Hub hub(PatternLimits limits) {
        return new Hub(new MemoryHistory(100, 0, 1 << 20, EventId.ZERO), limits, Backlog.NONE, HubTest.LIMITS,
                HubTest.KEEP_ALIVE, EventId.ZERO, nanos -> { });
    }

    private static Subscription subscribe(Hub hub, String... channels) {
        return HubTest.subscribe(hub, new HubTest.RecordingDrain(), channels);
    }

    @Test
    void aSubscriptionMayNameOnlySoManyPatterns() {
        Upstream upstream = new Upstream();
        try (Hub hub = hub(new PatternLimits(2, 100, upstream))) {
            PatternLimitException e = assertThrows(PatternLimitException.class, () -> subscribe(hub, "a*", "b*", "c*", "d"));
            assertTrue(e.getMessage().contains("--max-patterns 2"), e.getMessage());
            assertEquals(0, upstream.names(), "a refused subscription follows nothing");
            subscribe(hub, "a*", "b*", "c", "d", "e");
            assertEquals(5, upstream.names());
        }
    }

    @Test
    void patternsOffRefusesEveryPatternAndNoChannel() {
        try (Hub hub = hub(new PatternLimits(0, 100, new Upstream()))) {
            PatternLimitException e = assertThrows(PatternLimitException.class, () -> subscribe(hub, "a", "b*"));
            assertTrue(e.getMessage().contains("disabled"), e.getMessage());
            subscribe(hub, "a", "b");
        }
    }

    @Test
    void aPatternCountsOnceWhileAnySubscriptionHoldsItAndFreesItsSlotWithTheLast() {
        Upstream upstream = new Upstream();
        PatternLimits limits = new PatternLimits(4, 3, upstream);
        try (Hub hub = hub(limits)) {
            Subscription ab = subscribe(hub, "a*", "b*");
            Subscription ab2 = subscribe(hub, "b*", "a*", "x");
            Subscription c = subscribe(hub, "c*");
            assertEquals(3, limits.distinct());
            PatternLimitException e = assertThrows(PatternLimitException.class, () -> subscribe(hub, "a*", "d*"));
            assertTrue(e.getMessage().contains("--max-node-patterns 3"), e.getMessage());
            subscribe(hub, "a*", "c*", "y"); // only patterns in use: no new slot needed
            hub.end(ab, Subscription.EndReason.CLOSED);
            assertThrows(PatternLimitException.class, () -> subscribe(hub, "d*"), "a* and b* are still held");
            hub.end(c, Subscription.EndReason.CLOSED);
            assertThrows(PatternLimitException.class, () -> subscribe(hub, "d*"), "c* is still held");
            hub.end(ab2, Subscription.EndReason.CLOSED);
            assertEquals(2, limits.distinct(), "b* left with its last subscriber");
            subscribe(hub, "d*");
            assertEquals(3, limits.distinct());
            assertEquals(3, upstream.patterns());
        }
        assertEquals(0, limits.distinct(), "shutdown ends every subscription");
        assertEquals(0, upstream.names());
    }

    /** Many subscribers racing for few slots: never more than the cap held or followed, and all of it freed. */
    @Test
    void theNodeCapIsExactUnderRaces() throws Exception {
        Upstream upstream = new Upstream();
        PatternLimits limits = new PatternLimits(4, 10, upstream);
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (Hub hub = hub(limits)) {
            CountDownLatch start = new CountDownLatch(1);
            AtomicInteger accepted = new AtomicInteger();
            AtomicInteger refused = new AtomicInteger();
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    start.await();
                    List<Subscription> held = new ArrayList<>();
                    for (int i = 0; i < 2000; i++) {
                        try {
                            // some patterns shared by every thread, most its own
                            String mine = "t" + thread + "-" + (i % 3) + "*";
                            held.add(subscribe(hub, mine, "shared-" + (i % 2) + "*"));
                            accepted.incrementAndGet();
                        } catch (PatternLimitException e) {
                            refused.incrementAndGet();
                        }
                        int distinct = limits.distinct();
                        assertTrue(distinct <= 10, "held " + distinct);
                        if (held.size() > 2 || !held.isEmpty() && i % 5 == 0) {
                            hub.end(held.remove(0), Subscription.EndReason.CLOSED);
                        }
                    }
                    held.forEach(s -> hub.end(s, Subscription.EndReason.CLOSED));
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
            assertTrue(accepted.get() > 0 && refused.get() > 0, accepted + " accepted, " + refused + " refused");
            assertTrue(upstream.mostPatterns <= 10, "the broker followed " + upstream.mostPatterns + " patterns at once");
            assertEquals(0, limits.distinct(), "every slot freed");
            assertEquals(0, upstream.names());
            assertEquals(0, hub.stats().streams());

            // and the cap is whole again: ten distinct fit, the eleventh does not
            List<Subscription> ten = new CopyOnWriteArrayList<>();
            for (int i = 0; i < 10; i++) {
                ten.add(subscribe(hub, "again-" + i + "*"));
            }
            assertThrows(PatternLimitException.class, () -> subscribe(hub, "again-10*"));
        } finally {
            pool.shutdownNow();
        }
    }
}
