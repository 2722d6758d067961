package io.ssebroadcaster.hub;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Which subscriptions listen on which channel or pattern.
 *
 * <p>Changed and iterated only under the hub's lock. Each channel's members sit in an array that
 * doubles when full and fills holes from the end, so adding or removing a subscriber is O(1)
 * amortized (plus finding it on removal); {@code /stats} and publishers read only sizes, which
 * may be a moment stale. An event finds the patterns that match its channel through a
 * {@link PatternIndex}, trying only those whose literal prefix its channel starts with, not all.
 */
final class ChannelRegistry {

    /** One channel's (or pattern's) subscribers, in no particular order. */
    private static final class Members {
        private Subscription[] items = new Subscription[4];
        private volatile int size;

        void add(Subscription sub) {
            if (size == items.length) {
                items = Arrays.copyOf(items, items.length * 2);
            }
            items[size] = sub;
            size = size + 1;
        }

        /** @return false when it was not a member */
        boolean remove(Subscription sub) {
            int n = size;
            for (int i = n - 1; i >= 0; i--) {
                if (items[i] == sub) {
                    items[i] = items[n - 1];
                    items[n - 1] = null;
                    size = n - 1;
                    if (items.length > 64 && size < items.length / 4) {
                        items = Arrays.copyOf(items, items.length / 2);
                    }
                    return true;
                }
            }
            return false;
        }

        void forEach(Consumer<Subscription> action) {
            Subscription[] a = items;
            for (int i = 0, n = size; i < n; i++) {
                action.accept(a[i]);
            }
        }
    }

    private final ConcurrentHashMap<String, Members> channels = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Members> patterns = new ConcurrentHashMap<>();
    /** The keys of {@link #patterns}, filed for matching (read and changed under the hub's lock only). */
    private final PatternIndex patternIndex = new PatternIndex();

    private Map<String, Members> mapFor(String name) {
        return ChannelName.isPattern(name) ? patterns : channels;
    }

    void add(Subscription sub) {
        for (String name : sub.channels()) {
            Map<String, Members> map = mapFor(name);
            Members members = map.get(name);
            if (members == null) {
                members = new Members();
                map.put(name, members);
                if (map == patterns) {
                    patternIndex.add(name);
                }
            }
            members.add(sub);
        }
    }

    void remove(Subscription sub) {
        for (String name : sub.channels()) {
            Map<String, Members> map = mapFor(name);
            Members members = map.get(name);
            if (members != null && members.remove(sub) && members.size == 0) {
                map.remove(name);
                if (map == patterns) {
                    patternIndex.remove(name);
                }
            }
        }
    }

    /** Every subscription that should see an event on {@code channel}, possibly with repeats. */
    void forEachTarget(String channel, Consumer<Subscription> action) {
        Members direct = channels.get(channel);
        if (direct != null) {
            direct.forEach(action);
        }
        if (!patternIndex.isEmpty()) {
            patternIndex.forEachMatch(channel, pattern -> patterns.get(pattern).forEach(action));
        }
    }

    /** Subscriber count per channel and pattern, largest first. */
    List<Map.Entry<String, Integer>> counts() {
        List<Map.Entry<String, Integer>> out = new ArrayList<>();
        channels.forEach((k, v) -> out.add(Map.entry(k, v.size)));
        patterns.forEach((k, v) -> out.add(Map.entry(k, v.size)));
        out.removeIf(e -> e.getValue() == 0);
        out.sort(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
        return out;
    }

    /** How many patterns events were tried against so far (what the index saves, for tests). */
    long patternsExamined() {
        return patternIndex.examined();
    }

    int channelCount() {
        return channels.size() + patterns.size();
    }
}
