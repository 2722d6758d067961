package io.ssebroadcaster.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The batch publish limits: safe defaults, the usual sources, bad values named. */
class BatchOptionsTest {

    @Test
    void defaults() {
        Settings s = SettingsLoaderTest.load(Map.of());
        assertEquals(1000, s.batch().maxItems());
        assertEquals(1 << 20, s.batch().maxBytes());
        assertTrue(s.describe().contains("max-batch-items=1000 max-batch-bytes=1048576"), s.describe());
    }

    @Test
    void theByteLimitGrowsWithTheMessageLimitUnlessGiven() {
        // a single publish's body limit: 6 x the message limit + 64 KiB
        assertEquals(6 * (1 << 20) + 65536, SettingsLoaderTest.load(Map.of(), "--max-message-bytes", "1048576")
                .batch().maxBytes());
        assertEquals(2_000_000, SettingsLoaderTest.load(Map.of(), "--max-message-bytes", "1048576",
                "--max-batch-bytes", "2000000").batch().maxBytes());
    }

    @Test
    void fromTheEnvironmentAndTheFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("sse.yaml");
        Files.writeString(file, "max-batch-items: 50\n");
        Settings s = SettingsLoaderTest.load(Map.of("SSE_MAX_BATCH_BYTES", "70000"), "--config", file.toString());
        assertEquals(50, s.batch().maxItems());
        assertEquals(70_000, s.batch().maxBytes());
    }

    @Test
    void badValuesAreRefusedByName() {
        SettingsException e = assertThrows(SettingsException.class,
                () -> SettingsLoaderTest.load(Map.of(), "--max-batch-items", "0"));
        assertTrue(e.getMessage().contains("--max-batch-items"), e.getMessage());
        e = assertThrows(SettingsException.class,
                () -> SettingsLoaderTest.load(Map.of("SSE_MAX_BATCH_BYTES", "1000")));
        assertTrue(e.getMessage().contains("max-batch-bytes") && e.getMessage().contains("SSE_MAX_BATCH_BYTES")
                && e.getMessage().contains("at least --max-message-bytes"), e.getMessage());
    }
}
