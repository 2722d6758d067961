package io.ssebroadcaster.history;

import io.ssebroadcaster.delivery.EventStreamCodec;
import io.ssebroadcaster.hub.Event;
import io.ssebroadcaster.hub.EventId;
import io.ssebroadcaster.hub.History;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemoryHistoryTest {

    static final EventId START = new EventId(1000, 0);

    static Event ev(long millis, String... channels) {
        return EventStreamCodec.event(new EventId(millis, 0), List.of(channels), null, "m" + millis);
    }

    static List<String> data(History.Replay r) {
        return r.events().stream().map(Event::data).toList();
    }

    @Test
    void replaysEventsAfterTheGivenIdInOrder() {
        MemoryHistory h = new MemoryHistory(100, 0, 1 << 20, START);
        h.append(ev(1001, "a"));
        h.append(ev(1002, "b"));
        h.append(ev(1003, "a", "b"));
        h.append(ev(1004, "a"));
        History.Replay r = h.after(List.of("a", "b"), new EventId(1001, 0));
        assertEquals(List.of("m1002", "m1003", "m1004"), data(r));
        assertFalse(r.truncated());
        assertEquals(List.of("m1003", "m1004"), data(h.after(List.of("a"), new EventId(1002, 0))));
        assertEquals(List.of(), data(h.after(List.of("a"), new EventId(1004, 0))));
    }

    @Test
    void patternsReplayMatchingChannels() {
        MemoryHistory h = new MemoryHistory(100, 0, 1 << 20, START);
        h.append(ev(1001, "news.sport"));
        h.append(ev(1002, "weather"));
        h.append(ev(1003, "news.tech"));
        assertEquals(List.of("m1001", "m1003"), data(h.after(List.of("news.*"), START)));
    }

    @Test
    void perChannelBoundDropsOldestAndReportsTheGap() {
        MemoryHistory h = new MemoryHistory(2, 0, 1 << 20, START);
        for (int i = 1; i <= 5; i++) {
            h.append(ev(1000 + i, "a"));
        }
        assertEquals(2, h.size());
        History.Replay r = h.after(List.of("a"), new EventId(1001, 0));
        assertEquals(List.of("m1004", "m1005"), data(r));
        assertTrue(r.truncated());
        assertFalse(h.after(List.of("a"), new EventId(1003, 0)).truncated(), "nothing after 1003 was dropped");
    }

    @Test
    void idsFromBeforeThisHistoryExistedAreReportedAsPossiblyIncomplete() {
        MemoryHistory h = new MemoryHistory(10, 0, 1 << 20, START);
        assertTrue(h.after(List.of("never-used"), new EventId(999, 0)).truncated());
        assertFalse(h.after(List.of("never-used"), START).truncated());
    }

    @Test
    void ageBoundExpiresOldEventsAndForgetsEmptyChannels() {
        MemoryHistory h = new MemoryHistory(10, 100, 1 << 20, START);
        h.append(ev(1001, "a"));
        h.append(ev(1150, "a"));
        h.expire(1200);
        assertEquals(1, h.size());
        h.expire(1300);
        assertEquals(0, h.size());
        assertTrue(h.after(List.of("a"), new EventId(1001, 0)).truncated(), "the forgotten channel's floor is kept");
    }

    @Test
    void byteBudgetEvictsOldestAcrossChannels() {
        MemoryHistory probe = new MemoryHistory(100, 0, Long.MAX_VALUE, START);
        probe.append(ev(1001, "a"));
        probe.append(ev(1002, "b"));
        probe.append(ev(1003, "c"));
        long three = probe.bytes(); // three events on three channels, as the budget counts them
        // Room for the fourth event's small extras: channel a's deques grow, and its name becomes its own cost
        MemoryHistory h = new MemoryHistory(100, 0, three + 100, START);
        h.append(ev(1001, "a"));
        h.append(ev(1002, "b"));
        h.append(ev(1003, "c"));
        h.append(ev(1004, "a"));
        assertEquals(3, h.size());
        assertEquals(List.of("m1002", "m1003", "m1004"), data(h.after(List.of("a", "b", "c"), START)));
        for (int i = 0; i < 10_000; i++) {
            h.append(ev(2000 + i, "ch" + (i % 50)));
        }
        assertTrue(h.size() <= 3, "memory stays within budget whatever the channel count");
        assertTrue(h.bytes() <= three + 100);
    }

    @Test
    void theCountFollowsWhatIsKeptAndReturnsToZero() {
        MemoryHistory h = new MemoryHistory(1000, 100, 1 << 30, START);
        for (int i = 0; i < 500; i++) {
            h.append(ev(1001 + i, "a", "b" + (i % 7)));
        }
        long full = h.bytes();
        h.expire(1401 + 100); // drops the 400 oldest: the logs shrink to a fifth, and are rebuilt smaller
        assertEquals(200, h.size());
        assertTrue(h.bytes() < full / 3, h.bytes() + " of " + full);
        h.expire(10_000);
        assertEquals(0, h.size());
        assertEquals(0, h.bytes(), "each event and channel is uncounted exactly once");
    }

    @Test
    void zeroSizeKeepsNothing() {
        MemoryHistory h = new MemoryHistory(0, 0, 1 << 20, START);
        h.append(ev(1001, "a"));
        assertEquals(0, h.size());
    }
}
