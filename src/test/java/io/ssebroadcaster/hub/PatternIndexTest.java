package io.ssebroadcaster.hub;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pattern index finds exactly what trying every pattern would, and tries only the patterns
 * filed under the channel's prefixes; the hub's registry matches events through it.
 */
class PatternIndexTest {

    /** A small alphabet, so random patterns and channels match each other often. */
    private static String random(Random random, int maxLength, boolean pattern) {
        String alphabet = pattern ? "ab.*" : "ab.";
        int length = 1 + random.nextInt(maxLength);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < length; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    private static Set<String> linear(Set<String> patterns, String channel) {
        Set<String> out = new TreeSet<>();
        for (String p : patterns) {
            if (ChannelName.matches(p, channel)) {
                out.add(p);
            }
        }
        return out;
    }

    private static Set<String> indexed(PatternIndex index, String channel) {
        Set<String> out = new TreeSet<>();
        index.forEachMatch(channel, p -> assertTrue(out.add(p), "each match once: " + p));
        return out;
    }

    @Test
    void matchesExactlyWhatALinearWalkWouldWhilePatternsComeAndGo() {
        Random random = new Random(12);
        PatternIndex index = new PatternIndex();
        Set<String> all = new HashSet<>();
        for (int round = 0; round < 20; round++) {
            for (int i = 0; i < 100; i++) {
                String p = random(random, 8, true);
                assertEquals(all.add(p), index.add(p));
            }
            List<String> some = new ArrayList<>(all);
            for (int i = 0; i < 40; i++) {
                String p = some.get(random.nextInt(some.size()));
                assertEquals(all.remove(p), index.remove(p));
            }
            assertEquals(all.size(), index.size());
            assertEquals(all, new HashSet<>(index));
            for (int i = 0; i < 200; i++) {
                String channel = random(random, 10, false);
                Set<String> expected = linear(all, channel);
                assertEquals(expected, indexed(index, channel), channel);
                assertEquals(expected.isEmpty() ? null : expected.iterator().next(), index.firstMatch(channel),
                        "the first in String order, as the TreeSet walk gave: " + channel);
            }
        }
        for (String p : List.copyOf(all)) {
            assertTrue(index.remove(p));
        }
        assertTrue(index.isEmpty());
        assertNull(index.firstMatch("a"));
    }

    @Test
    void edgeCasesOfPrefixes() {
        PatternIndex index = new PatternIndex();
        index.add("*");
        index.add("news.*");
        index.add("news.*.x");
        index.add("*.sport");
        assertEquals(Set.of("*", "news.*", "news.*.x"), indexed(index, "news.a.x"));
        assertEquals(Set.of("*", "news.*", "*.sport"), indexed(index, "news.sport"));
        assertEquals(Set.of("*", "news.*"), indexed(index, "news."));
        assertEquals(Set.of("*"), indexed(index, "new"));
        assertTrue(index.contains("news.*"));
        assertFalse(index.contains("news.x*"));
        assertFalse(index.add("news.*"), "already there");
        assertTrue(index.remove("*"));
        assertFalse(index.remove("*"));
        assertEquals(Set.of(), indexed(index, "new"));
    }

    @Test
    void aLookupAmongTenThousandPatternsTriesAHandful() {
        PatternIndex index = new PatternIndex();
        for (int i = 0; i < 10_000; i++) {
            index.add("p" + i + ".*");
        }
        long before = index.examined();
        assertEquals(Set.of("p4242.*"), indexed(index, "p4242.news"));
        assertTrue(index.examined() - before <= 5, "tried " + (index.examined() - before));
    }

    // ---- the hub's registry, through its own path

    private static Subscription subscription(String... channels) {
        return new Subscription(List.of(channels), Subscription.Kind.STREAM, new Outbox(10),
                new HubTest.RecordingDrain(), null);
    }

    private static Set<Subscription> targets(ChannelRegistry registry, String channel) {
        Set<Subscription> out = new HashSet<>();
        registry.forEachTarget(channel, out::add);
        return out;
    }

    /**
     * With 10,000 patterns of distinct prefixes, an event tries the few whose prefix its channel
     * starts with, not all 10,000 (the registry's linear walk before the index tried every one).
     */
    @Test
    void anEventIsMatchedOnlyAgainstPatternsItsChannelCouldMatch() {
        ChannelRegistry registry = new ChannelRegistry();
        List<Subscription> subs = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            Subscription sub = subscription("p" + i + ".*", "exact-" + i);
            subs.add(sub);
            registry.add(sub);
        }
        Subscription everything = subscription("*");
        registry.add(everything);
        long before = registry.patternsExamined();
        assertEquals(Set.of(subs.get(4242), everything), targets(registry, "p4242.news"));
        long tried = registry.patternsExamined() - before;
        assertTrue(tried <= 6, "an event on p4242.news tried " + tried + " of 10,001 patterns");
        assertEquals(Set.of(subs.get(7), everything), targets(registry, "exact-7"));
        registry.remove(subs.get(4242));
        assertEquals(Set.of(everything), targets(registry, "p4242.news"));
    }

    /** Whatever the patterns, the registry delivers to exactly the subscriptions a linear walk would pick. */
    @Test
    void theRegistryTargetsWhatALinearWalkWould() {
        Random random = new Random(7);
        ChannelRegistry registry = new ChannelRegistry();
        List<Subscription> subs = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            Subscription sub = subscription(random(random, 6, true), random(random, 6, false));
            subs.add(sub);
            registry.add(sub);
        }
        for (int i = 0; i < 200; i++) {
            Subscription gone = subs.remove(random.nextInt(subs.size()));
            registry.remove(gone);
        }
        for (int i = 0; i < 1000; i++) {
            String channel = random(random, 8, false);
            Set<Subscription> expected = new HashSet<>();
            for (Subscription sub : subs) {
                for (String name : sub.channels()) {
                    if (name.equals(channel) || ChannelName.isPattern(name) && ChannelName.matches(name, channel)) {
                        expected.add(sub);
                    }
                }
            }
            assertEquals(expected, targets(registry, channel), channel);
        }
    }
}
