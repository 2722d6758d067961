package io.ssebroadcaster.config;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The options of issue 12 items 8 and 9: safe defaults, the usual sources, bad values named. */
class PublishSafetyOptionsTest {

    @Test
    void defaults() {
        Settings s = SettingsLoaderTest.load(Map.of());
        assertEquals(86_400, s.historyIdleExpiry().toSeconds());
        assertEquals(300, s.idempotency().window().toSeconds());
        assertEquals(100_000, s.idempotency().maxKeys());
        assertTrue(s.idempotency().enabled());
    }

    @Test
    void fromTheEnvironmentAndFlags() {
        Settings s = SettingsLoaderTest.load(Map.of("SSE_IDEMPOTENCY_WINDOW", "0", "SSE_HISTORY_IDLE_EXPIRY", "60"),
                "--idempotency-max-keys", "5");
        assertEquals(60, s.historyIdleExpiry().toSeconds());
        assertTrue(!s.idempotency().enabled());
        assertEquals(5, s.idempotency().maxKeys());
        assertTrue(s.describe().contains("idempotency-window=0s"), s.describe());
    }

    @Test
    void badValuesAreRefusedByName() {
        SettingsException e = assertThrows(SettingsException.class,
                () -> SettingsLoaderTest.load(Map.of(), "--idempotency-max-keys", "0"));
        assertTrue(e.getMessage().contains("--idempotency-max-keys"), e.getMessage());
        e = assertThrows(SettingsException.class,
                () -> SettingsLoaderTest.load(Map.of("SSE_HISTORY_IDLE_EXPIRY", "-1")));
        assertTrue(e.getMessage().contains("history-idle-expiry"), e.getMessage());
    }
}
