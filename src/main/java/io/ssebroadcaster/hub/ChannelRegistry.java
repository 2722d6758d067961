package io.ssebroadcaster.hub;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which subscriptions listen on which channel or pattern.
 *
 * <p>Written only by the fan-out thread; each entry is an immutable array replaced on change, so
 * fan-out iterates a plain array and {@code /stats} can read counts from any thread.
 */
final class ChannelRegistry {

    private static final Subscription[] EMPTY = new Subscription[0];

    private final ConcurrentHashMap<String, Subscription[]> channels = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Subscription[]> patterns = new ConcurrentHashMap<>();
    void add(Subscription sub) {
        for (String name : sub.channels()) {
            Map<String, Subscription[]> map = ChannelName.isPattern(name) ? patterns : channels;
            Subscription[] old = map.getOrDefault(name, EMPTY);
            Subscription[] next = Arrays.copyOf(old, old.length + 1);
            next[old.length] = sub;
            map.put(name, next);
        }
    }

    void remove(Subscription sub) {
        for (String name : sub.channels()) {
            Map<String, Subscription[]> map = ChannelName.isPattern(name) ? patterns : channels;
            Subscription[] old = map.get(name);
            if (old == null) {
                continue;
            }
            int at = indexOf(old, sub);
            if (at < 0) {
                continue;
            }
            if (old.length == 1) {
                map.remove(name);
                continue;
            }
            Subscription[] next = new Subscription[old.length - 1];
            System.arraycopy(old, 0, next, 0, at);
            System.arraycopy(old, at + 1, next, at, old.length - at - 1);
            map.put(name, next);
        }
    }

    private static int indexOf(Subscription[] subs, Subscription sub) {
        for (int i = 0; i < subs.length; i++) {
            if (subs[i] == sub) {
                return i;
            }
        }
        return -1;
    }

    /** Every subscription that should see an event on {@code channel}, possibly with repeats. */
    void forEachTarget(String channel, java.util.function.Consumer<Subscription> action) {
        Subscription[] direct = channels.get(channel);
        if (direct != null) {
            for (Subscription s : direct) {
                action.accept(s);
            }
        }
        if (!patterns.isEmpty()) {
            for (Map.Entry<String, Subscription[]> e : patterns.entrySet()) {
                if (ChannelName.matches(e.getKey(), channel)) {
                    for (Subscription s : e.getValue()) {
                        action.accept(s);
                    }
                }
            }
        }
    }

    /** How many subscriptions an event on {@code channel} goes to (an estimate while they change). */
    int targetCount(String channel) {
        Subscription[] direct = channels.get(channel);
        int n = direct == null ? 0 : direct.length;
        if (!patterns.isEmpty()) {
            for (Map.Entry<String, Subscription[]> e : patterns.entrySet()) {
                if (ChannelName.matches(e.getKey(), channel)) {
                    n += e.getValue().length;
                }
            }
        }
        return n;
    }

    /** Subscriber count per channel and pattern, largest first. */
    List<Map.Entry<String, Integer>> counts() {
        List<Map.Entry<String, Integer>> out = new ArrayList<>();
        channels.forEach((k, v) -> out.add(Map.entry(k, v.length)));
        patterns.forEach((k, v) -> out.add(Map.entry(k, v.length)));
        out.sort(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
        return out;
    }

    int channelCount() {
        return channels.size() + patterns.size();
    }
}
