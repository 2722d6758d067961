package io.ssebroadcaster.history;

import io.ssebroadcaster.delivery.EventStreamCodec;
import io.ssebroadcaster.hub.Event;
import io.ssebroadcaster.hub.EventId;
import io.ssebroadcaster.hub.History;
import io.ssebroadcaster.hub.ReplayLimit;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 12, item 1, in memory: a replay keeps its newest part within the limit, and says when it cut. */
class BoundedMemoryReplayTest {

    static final EventId START = new EventId(1000, 0);

    static Event ev(long millis, String data, String... channels) {
        return EventStreamCodec.event(new EventId(millis, 0), List.of(channels), null, data);
    }

    static List<String> data(History.Replay r) {
        return r.events().stream().map(Event::data).toList();
    }

    static MemoryHistory history() {
        MemoryHistory h = new MemoryHistory(100, 0, 1 << 20, START);
        for (int i = 1; i <= 10; i++) {
            h.append(ev(1000 + i, "m" + i, i % 2 == 0 ? "even" : "odd", "all"));
        }
        return h;
    }

    @Test
    void aReplayOverTheEventLimitKeepsTheNewestAndSaysItIsTruncated() {
        History.Replay r = history().after(List.of("even", "odd"), START, null, new ReplayLimit(3, 1 << 20));
        assertEquals(List.of("m8", "m9", "m10"), data(r));
        assertTrue(r.truncated());
    }

    @Test
    void aReplayOverTheByteLimitKeepsTheNewestThatFit() {
        MemoryHistory h = history();
        long three = h.after(List.of("all"), new EventId(1007, 0)).events().stream().mapToLong(Event::size).sum();
        History.Replay r = h.after(List.of("o*", "e*"), START, null, new ReplayLimit(1000, three));
        assertEquals(List.of("m8", "m9", "m10"), data(r), "a message on two matching channels counts once");
        assertTrue(r.truncated());
        History.Replay fits = h.after(List.of("all"), new EventId(1007, 0), null, new ReplayLimit(3, three));
        assertEquals(List.of("m8", "m9", "m10"), data(fits));
        assertFalse(fits.truncated(), "exactly at the limit is not cut");
    }

    @Test
    void aReplayEndsAtTheHandoffPoint() {
        History.Replay r = history().after(List.of("all"), new EventId(1003, 0), new EventId(1006, 0),
                new ReplayLimit(2, 1 << 20));
        assertEquals(List.of("m5", "m6"), data(r), "the newest up to the handoff point, none after it");
        assertTrue(r.truncated());
    }

    @Test
    void aMessageOnSeveralChannelsIsReplayedOnceWithAllOfThem() {
        History.Replay r = history().after(List.of("even", "all", "*"), new EventId(1008, 0), null,
                new ReplayLimit(5, 1 << 20));
        assertEquals(List.of("m9", "m10"), data(r));
        assertEquals(List.of("even", "all"), r.events().getLast().channels());
        assertFalse(r.truncated());
    }

    @Test
    void aPatternLooksAtABoundedNumberOfChannelNames() {
        MemoryHistory h = new MemoryHistory(1, 0, 1L << 30, START);
        int channels = MemoryHistory.MAX_NAMES_EXAMINED + 100;
        for (int i = 1; i <= channels; i++) {
            h.append(ev(1000 + i, "m" + i, "c-" + i));
        }
        History.Replay byPrefix = h.after(List.of("c-2000*"), START, null, ReplayLimit.NONE);
        assertEquals(List.of("m2000", "m20000", "m20001", "m20002", "m20003", "m20004", "m20005", "m20006",
                "m20007", "m20008", "m20009"), data(byPrefix), "the prefix range only");
        assertFalse(byPrefix.truncated());
        History.Replay everywhere = h.after(List.of("*-1"), START, null, ReplayLimit.NONE);
        assertTrue(everywhere.truncated(), "a pattern without a prefix stops looking, and says it may have missed some");
        assertTrue(data(everywhere).contains("m1"));
    }
}
