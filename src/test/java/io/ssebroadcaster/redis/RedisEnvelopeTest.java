package io.ssebroadcaster.redis;

import io.ssebroadcaster.delivery.EventStreamCodec;
import io.ssebroadcaster.hub.Event;
import io.ssebroadcaster.hub.EventId;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The formats on Redis: what a node accepts as an API message, and how stream copies become one event. */
class RedisEnvelopeTest {

    static final char SEP = RedisEnvelope.SEPARATOR;

    static String envelope(String id, String channels, String type, String data) {
        return RedisEnvelope.PREFIX + id + SEP + channels + SEP + type + SEP + data;
    }

    @Test
    void anEnvelopeCarriesIdAllChannelsTypeAndData() {
        RedisEnvelope.Message m = RedisEnvelope.parse("b", envelope("17-2", "a,b,news.x", "greeting", "x" + SEP + "y"));
        assertEquals(new EventId(17, 2), m.id());
        assertEquals(List.of("a", "b", "news.x"), m.channels());
        assertEquals("greeting", m.type());
        assertEquals("x" + SEP + "y", m.data(), "the data is everything after the third separator");
        assertNull(RedisEnvelope.parse("a", envelope("17-2", "a", "", "plain")).type());
    }

    @Test
    void anythingElseIsRaw() {
        assertNull(RedisEnvelope.parse("a", "[1, 2, 3]"));
        assertNull(RedisEnvelope.parse("a", RedisEnvelope.PREFIX + "17-2" + SEP + "a" + SEP + "no data field"));
        assertNull(RedisEnvelope.parse("a", envelope("nope", "a", "", "d")), "bad id");
        assertNull(RedisEnvelope.parse("a", envelope("17-2.1", "a", "", "d")), "node-local ids are never published");
        assertNull(RedisEnvelope.parse("a", envelope("17-2", "", "", "d")), "no channel");
        assertNull(RedisEnvelope.parse("a", envelope("17-2", "a,,b", "", "d")), "empty channel");
        assertNull(RedisEnvelope.parse("a", envelope("17-2", "a,b*", "", "d")), "a pattern is not a channel");
        assertNull(RedisEnvelope.parse("a", envelope("17-2", "b,c", "", "d")), "it did not arrive on a channel it names");
        assertNull(RedisEnvelope.parse("a", "\u001eSSE" + SEP + "17-2" + SEP + SEP + "d"), "the first version's envelope");
    }

    /**
     * Anybody who can PUBLISH on Redis can write an envelope: every field is checked, so none can
     * inject SSE fields or an id of another shape; what fails is not an API message.
     */
    @Test
    void everyFieldOfAnEnvelopeIsChecked() {
        for (String type : List.of("evil\ndata: injected", "evil\r", "a\u0000b", "tab\tbed", "del\u007f", "x".repeat(256))) {
            assertNull(RedisEnvelope.parse("a", envelope("17-2", "a", type, "d")), "event type " + type.replace("\n", "\\n"));
        }
        assertEquals("x".repeat(255), RedisEnvelope.parse("a", envelope("17-2", "a", "x".repeat(255), "d")).type());
        for (String id : List.of(" 17-2", "17-2 ", "17", "17-", "-2", "+17-2", "17-+2", "017-2", "17-02", "17-2\u0000",
                "1234567890123456789-0", "0-1234567890123456789", "\n17-2", "17-2\nid: 9")) {
            assertNull(RedisEnvelope.parse("a", envelope(id, "a", "", "d")), "id '" + id + "'");
        }
        assertEquals(new EventId(0, 0), RedisEnvelope.parse("a", envelope("0-0", "a", "", "d")).id());
        assertEquals(new EventId(999_999_999_999_999_999L, 0),
                RedisEnvelope.parse("a", envelope("999999999999999999-0", "a", "", "d")).id(),
                "well formed; whether it can have been issued is the delivery's question");
        assertNull(RedisEnvelope.parse("a", envelope("17-2", "a,b\nc", "", "d")), "channel list");
        assertNull(RedisEnvelope.parse("a", envelope("17-2", "a," + "c".repeat(256), "", "d")), "channel name too long");
        String longest = "a" + ",b".repeat((RedisEnvelope.MAX_CHANNEL_LIST_LENGTH - 1) / 2);
        assertEquals(List.of("a", "b"), RedisEnvelope.parse("a", envelope("17-2", longest, "", "d")).channels());
        assertNull(RedisEnvelope.parse("a", envelope("17-2", longest + ",c", "", "d")), "a channel list longer than any publish's");
    }

    @Test
    void copiesFromSeveralStreamsBecomeOneEvent() {
        Event a = EventStreamCodec.event(new EventId(5, 0), List.of("a"), null, "m");
        Event b = EventStreamCodec.event(new EventId(5, 0), List.of("b"), null, "m");
        Event earlier = EventStreamCodec.event(new EventId(4, 9), List.of("b"), null, "e");
        Event later = EventStreamCodec.event(new EventId(5, 1), List.of("a", "b"), null, "l");
        List<Event> merged = RedisStreamReader.oneEventPerId(List.of(later, a, earlier, b, later));
        assertEquals(List.of(new EventId(4, 9), new EventId(5, 0), new EventId(5, 1)),
                merged.stream().map(Event::id).toList());
        assertEquals(List.of("a", "b"), merged.get(1).channels());
        assertArrayEquals(a.bytes(), merged.get(1).bytes());
        assertEquals(List.of("a", "b"), merged.get(2).channels());
    }

    @Test
    void channelListsRoundTrip() {
        assertEquals("a,b:c,d/e@f", RedisStreams.joinChannels(List.of("a", "b:c", "d/e@f")));
        assertEquals(List.of("a", "b:c", "d/e@f"), RedisStreams.splitChannels("a,b:c,d/e@f"));
        assertEquals(List.of("a", "b"), RedisStreams.splitChannels("a,b,a"));
        assertNull(RedisStreams.splitChannels("a b"));
        assertNull(RedisStreams.splitChannels("a,"));
    }
}
