package io.ssebroadcaster.broker;

import io.ssebroadcaster.hub.EventId;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.function.LongSupplier;

/**
 * The ids recent publishes were given, by their idempotency key, for the in-process broker: each is
 * remembered for the window, and at most {@code maxKeys} at once (the oldest forgotten first), so
 * publishers that never repeat a key cannot grow memory without bound. (The Redis broker keeps its
 * keys in Redis instead, see {@code publish.lua}.)
 */
public final class IdempotencyKeys {

    private record Seen(EventId id, long expiresAtNanos) {
    }

    private final long windowNanos;
    private final int maxKeys;
    private final LongSupplier nanoClock;
    /** In insertion order, which is expiry order: every key is kept for the same window. */
    private final LinkedHashMap<String, Seen> seen = new LinkedHashMap<>();

    /** @param window zero: no key is remembered */
    public IdempotencyKeys(Duration window, int maxKeys) {
        this(window, maxKeys, System::nanoTime);
    }

    IdempotencyKeys(Duration window, int maxKeys, LongSupplier nanoClock) {
        this.windowNanos = window.toNanos();
        this.maxKeys = maxKeys;
        this.nanoClock = nanoClock;
    }

    /** The id given to the publish with this key within the window, or null. */
    public synchronized EventId idOf(String key) {
        forgetExpired();
        Seen s = seen.get(key);
        return s == null ? null : s.id();
    }

    /** Remembers the id a publish with this key was given. */
    public synchronized void remember(String key, EventId id) {
        if (windowNanos <= 0) {
            return;
        }
        forgetExpired();
        seen.remove(key); // a re-insert goes to the end, keeping insertion order the expiry order
        seen.put(key, new Seen(id, nanoClock.getAsLong() + windowNanos));
        Iterator<Seen> oldest = seen.values().iterator();
        while (seen.size() > maxKeys) {
            oldest.next();
            oldest.remove();
        }
    }

    /** Keys remembered now. */
    public synchronized int size() {
        forgetExpired();
        return seen.size();
    }

    private void forgetExpired() {
        long now = nanoClock.getAsLong();
        Iterator<Seen> it = seen.values().iterator();
        while (it.hasNext() && it.next().expiresAtNanos() - now <= 0) {
            it.remove();
        }
    }
}
