package io.ssebroadcaster.hub;

import java.util.AbstractSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A set of patterns that finds those matching a channel without trying every one.
 *
 * <p>A pattern only matches channels that start with its literal prefix (what comes before its first
 * {@code *}), so each pattern is filed under that prefix. A lookup takes the channel's own prefixes of
 * the lengths in use (one hash lookup per distinct prefix length, at most 256) and runs
 * {@link ChannelName#matches} only on the patterns filed there. Patterns sharing a prefix are all
 * tried ({@code *} alone, or {@code news.*a} and {@code news.*b} for {@code news.x}); the node's
 * pattern cap ({@link PatternLimits}) bounds how many there can be.
 *
 * <p>Not thread-safe: its owner changes and reads it under one lock of its own.
 */
public final class PatternIndex extends AbstractSet<String> {

    private final Map<String, Set<String>> byPrefix = new HashMap<>();
    /** How many patterns have a prefix of each length. */
    private final TreeMap<Integer, Integer> prefixLengths = new TreeMap<>();
    /** The lengths in {@link #prefixLengths}, ascending: what a lookup walks, without boxing. */
    private int[] lengths = new int[0];
    private int size;
    private long examined;

    /** The literal part a channel must start with to match; the whole name when it has no {@code *}. */
    static String prefixOf(String pattern) {
        int star = pattern.indexOf('*');
        return star < 0 ? pattern : pattern.substring(0, star);
    }

    @Override
    public boolean add(String pattern) {
        String prefix = prefixOf(pattern);
        if (!byPrefix.computeIfAbsent(prefix, k -> new HashSet<>()).add(pattern)) {
            return false;
        }
        size++;
        if (prefixLengths.merge(prefix.length(), 1, Integer::sum) == 1) {
            lengths = prefixLengths.keySet().stream().mapToInt(Integer::intValue).toArray();
        }
        return true;
    }

    @Override
    public boolean remove(Object o) {
        if (!(o instanceof String pattern)) {
            return false;
        }
        String prefix = prefixOf(pattern);
        Set<String> filed = byPrefix.get(prefix);
        if (filed == null || !filed.remove(pattern)) {
            return false;
        }
        if (filed.isEmpty()) {
            byPrefix.remove(prefix);
        }
        size--;
        if (prefixLengths.computeIfPresent(prefix.length(), (k, n) -> n == 1 ? null : n - 1) == null) {
            lengths = prefixLengths.keySet().stream().mapToInt(Integer::intValue).toArray();
        }
        return true;
    }

    @Override
    public boolean contains(Object o) {
        if (!(o instanceof String pattern)) {
            return false;
        }
        Set<String> filed = byPrefix.get(prefixOf(pattern));
        return filed != null && filed.contains(pattern);
    }

    @Override
    public void clear() {
        byPrefix.clear();
        prefixLengths.clear();
        lengths = new int[0];
        size = 0;
    }

    @Override
    public int size() {
        return size;
    }

    /** Every pattern, in no particular order; read-only. */
    @Override
    public Iterator<String> iterator() {
        return byPrefix.values().stream().flatMap(Set::stream).iterator();
    }

    /** Hands {@code action} each pattern that matches {@code channel}, trying only those filed under its prefixes. */
    public void forEachMatch(String channel, Consumer<String> action) {
        for (int length : lengths) {
            if (length > channel.length()) {
                return;
            }
            Set<String> filed = byPrefix.get(channel.substring(0, length));
            if (filed != null) {
                for (String pattern : filed) {
                    examined++;
                    if (ChannelName.matches(pattern, channel)) {
                        action.accept(pattern);
                    }
                }
            }
        }
    }

    /** The first pattern in {@code String} order that matches {@code channel}, or null: the same whatever the order of adding. */
    public String firstMatch(String channel) {
        String[] first = {null};
        forEachMatch(channel, p -> {
            if (first[0] == null || p.compareTo(first[0]) < 0) {
                first[0] = p;
            }
        });
        return first[0];
    }

    /** How many patterns lookups have tried against a channel so far: what the index saves is visible in tests. */
    public long examined() {
        return examined;
    }
}
