package io.ssebroadcaster.history;

import io.ssebroadcaster.delivery.EventStreamCodec;
import io.ssebroadcaster.hub.Event;
import io.ssebroadcaster.hub.EventId;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --history-max-bytes} bounds the heap history really takes, within 2× either way: the heap in
 * use after a full collection grows by at most twice the budget when a history is filled past it, and
 * by at least half of it (the count is not so cautious that history keeps far less than it may).
 * The worst shapes are many long channel names with empty messages, one channel per publish or 64,
 * where the names and bookkeeping are nearly all the cost.
 */
class HistoryHeapTest {

    static final long BUDGET = 16L << 20;
    static final EventId START = new EventId(1_000_000, 0);

    @Test
    void emptyMessagesToManyDistinctLongChannelNames() {
        assertHeapWithinTwiceTheBudget(100_000, 1, "");
    }

    @Test
    void emptyMessagesToSixtyFourDistinctLongChannelNamesEach() {
        assertHeapWithinTwiceTheBudget(3_000, 64, "");
    }

    @Test
    void smallMessagesToAFewChannels() {
        assertHeapWithinTwiceTheBudget(100_000, 1, "{\"price\": 101.25, \"symbol\": \"ACME\"}", 100);
    }

    private static void assertHeapWithinTwiceTheBudget(int publishes, int channelsEach, String data) {
        assertHeapWithinTwiceTheBudget(publishes, channelsEach, data, Integer.MAX_VALUE);
    }

    /** @param distinctChannels names repeat after this many (each publish still carries its own copies) */
    private static void assertHeapWithinTwiceTheBudget(int publishes, int channelsEach, String data, int distinctChannels) {
        long before = usedHeapAfterGc();
        MemoryHistory history = new MemoryHistory(1000, 0, BUDGET, START);
        for (int i = 0; i < publishes; i++) {
            List<String> names = new ArrayList<>(channelsEach);
            for (int c = 0; c < channelsEach; c++) {
                names.add(longName(((long) i * channelsEach + c) % distinctChannels));
            }
            history.append(EventStreamCodec.event(new EventId(START.millis() + 1 + i, 0), names, null, new String(data.toCharArray())));
        }
        long grown = usedHeapAfterGc() - before;
        int kept = history.size();
        Reference.reachabilityFence(history);
        String what = "history of " + kept + " entries took " + grown + " bytes of heap for a budget of " + BUDGET;
        System.out.println("HistoryHeapTest: " + publishes + " publishes to " + channelsEach + " channel(s): " + what);
        assertTrue(kept > 0, what);
        assertTrue(grown <= 2 * BUDGET, what);
        assertTrue(grown >= BUDGET / 2, what);
    }

    /** A fresh 255-character name, as a parsed request carries it. */
    static String longName(long n) {
        String suffix = Long.toString(n);
        return "c".repeat(255 - suffix.length()) + suffix;
    }

    static long usedHeapAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
