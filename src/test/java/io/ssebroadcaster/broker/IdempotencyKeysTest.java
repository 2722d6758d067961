package io.ssebroadcaster.broker;

import io.ssebroadcaster.hub.EventId;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The memory broker's keys: kept for the window, and never more than the cap. */
class IdempotencyKeysTest {

    final AtomicLong now = new AtomicLong(1_000);

    @Test
    void aKeyIsRememberedForTheWindowOnly() {
        IdempotencyKeys keys = new IdempotencyKeys(Duration.ofNanos(100), 10, now::get);
        keys.remember("a", new EventId(1, 0));
        now.addAndGet(99);
        assertEquals(new EventId(1, 0), keys.idOf("a"));
        now.addAndGet(1);
        assertNull(keys.idOf("a"));
        assertEquals(0, keys.size());
    }

    @Test
    void beyondTheCapTheOldestKeysAreForgotten() {
        IdempotencyKeys keys = new IdempotencyKeys(Duration.ofMinutes(5), 3, now::get);
        for (int i = 0; i < 10; i++) {
            keys.remember("k" + i, new EventId(i, 0));
            now.incrementAndGet();
        }
        assertEquals(3, keys.size());
        assertNull(keys.idOf("k6"));
        assertEquals(new EventId(7, 0), keys.idOf("k7"));
        assertEquals(new EventId(9, 0), keys.idOf("k9"));
    }

    @Test
    void aZeroWindowKeepsNothing() {
        IdempotencyKeys keys = new IdempotencyKeys(Duration.ZERO, 3, now::get);
        keys.remember("a", new EventId(1, 0));
        assertNull(keys.idOf("a"));
    }
}
