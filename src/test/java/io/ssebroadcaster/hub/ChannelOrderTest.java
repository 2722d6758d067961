package io.ssebroadcaster.hub;

import io.ssebroadcaster.delivery.EventStreamCodec;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where each channel keeps its own order (Redis Cluster): repeats dropped per channel, places stamped per channel set. */
class ChannelOrderTest {

    static Event event(String channel, long ms, long seq, String data) {
        return EventStreamCodec.event(new EventId(ms, seq), List.of(channel), null, data);
    }

    static String wire(Event e) {
        return new String(e.bytes(), StandardCharsets.UTF_8);
    }

    @Test
    void aChannelTakesOnlyWhatIsNewerThanItsOwnNewestAndNothingBeforeItIsEstablished() {
        ChannelOrder order = new ChannelOrder(EventStreamCodec.ID_STAMPER);
        assertFalse(order.accept(event("a", 5, 0, "x")), "nobody follows a yet");
        order.establish("a", new EventId(5, 0));
        order.establish("b", new EventId(100, 0));
        assertFalse(order.accept(event("a", 5, 0, "x")), "not after where it was established");
        assertTrue(order.accept(event("a", 6, 0, "x")));
        assertTrue(order.accept(event("b", 101, 0, "y")), "b's ids are its own: 101 after a's 6 means nothing");
        assertFalse(order.accept(event("a", 6, 0, "x")), "a repeat (a catch-up overlapping live delivery)");
        assertTrue(order.accept(event("a", 7, 0, "z")));
        order.establish("a", new EventId(1, 0));
        assertEquals(new EventId(7, 0), order.latest("a"), "establishing again moves nothing back");
        order.forget("a");
        assertFalse(order.accept(event("a", 8, 0, "late")), "forgotten: not delivered");
    }

    @Test
    void aSubscriberOfSeveralChannelsIsSentItsPlaceInEachOncePerChannelSet() {
        ChannelOrder order = new ChannelOrder(EventStreamCodec.ID_STAMPER);
        order.establish("a", new EventId(10, 0));
        order.establish("b", new EventId(20, 3));
        Event e = event("a", 11, 0, "hello\nworld");
        assertTrue(order.accept(e));
        assertSame(e, order.forSubscriber(e, List.of("a")), "one channel: the shared event as it is");
        Event both = order.forSubscriber(e, List.of("a", "b"));
        assertEquals("id: 11-0,20-3\ndata: hello\ndata: world\n\n", wire(both));
        assertSame(both, order.forSubscriber(e, List.of("a", "b")), "stamped once for every subscriber of a and b");
        assertEquals(new ChannelPositions(List.of(new EventId(11, 0), new EventId(20, 3))), order.now(List.of("a", "b")));
        assertEquals(new EventId(20, 3), order.now(List.of("b")));
    }

    @Test
    void aReplayIsStampedWithThePlaceAfterEachEvent() {
        ChannelOrder order = new ChannelOrder(EventStreamCodec.ID_STAMPER);
        Map<String, EventId> from = new HashMap<>(Map.of("a", new EventId(1, 0), "b", new EventId(2, 0)));
        List<Event> replay = order.stampReplay(List.of(event("b", 3, 0, "b3"), event("a", 4, 0, "a4")), List.of("a", "b"), from);
        List<String> ids = new ArrayList<>();
        replay.forEach(r -> ids.add(wire(r).lines().findFirst().orElseThrow()));
        assertEquals(List.of("id: 1-0,3-0", "id: 4-0,3-0"), ids);
    }

    @Test
    void aClientPlaceIsOneIdPerChannelInNameOrderOrOneIdForAll() {
        Position p = Position.parse("5-1,7-0");
        assertInstanceOf(ChannelPositions.class, p);
        assertEquals("5-1,7-0", p.toString());
        assertEquals(Map.of("a", new EventId(5, 1), "b", new EventId(7, 0)), ChannelOrder.bind(List.of("a", "b"), p));
        assertEquals(Map.of("a", new EventId(9, 0), "b", new EventId(9, 0)),
                ChannelOrder.bind(List.of("a", "b"), Position.parse("9-0")), "a plain id: the same place in each");
        assertThrows(BadPositionException.class, () -> ChannelOrder.bind(List.of("a", "b", "c"), p));
        assertThrows(IllegalArgumentException.class, () -> Position.parse("5-1,x"));
        assertThrows(IllegalArgumentException.class, () -> Position.parse("5-1,"));
        assertThrows(IllegalArgumentException.class, () -> Position.parse(",".repeat(ChannelPositions.MAX_IDS + 1)));
    }
}
