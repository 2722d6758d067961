package io.ssebroadcaster.hub;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** At most one line per interval; the next line says how many were held back. */
class RateLimitedWarningTest {

    @Test
    void holdsBackRepeatsAndCountsThemIntoTheNextLine() {
        Logger log = Logger.getLogger("test.rate-limited-" + System.nanoTime());
        log.setUseParentHandlers(false);
        List<String> lines = new CopyOnWriteArrayList<>();
        log.addHandler(new Handler() {
            @Override
            public void publish(LogRecord record) {
                lines.add(record.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        });
        AtomicLong clock = new AtomicLong(5);
        RateLimitedWarning warning = new RateLimitedWarning(log, 10_000, clock::get);
        for (int i = 0; i < 5; i++) {
            warning.warn(() -> "client cut off");
        }
        assertEquals(List.of("client cut off"), lines);
        clock.addAndGet(9_999);
        warning.warn(() -> "client cut off");
        assertEquals(1, lines.size(), "still within the interval");
        clock.addAndGet(1);
        warning.warn(() -> "client cut off");
        assertEquals(2, lines.size());
        assertTrue(lines.get(1).startsWith("client cut off (and 5 more like it"), lines.get(1));
        clock.addAndGet(10_000);
        warning.warn(() -> "client cut off");
        assertEquals("client cut off", lines.get(2), "nothing held back this time");
    }
}
