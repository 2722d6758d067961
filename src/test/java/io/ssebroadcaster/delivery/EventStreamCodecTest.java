package io.ssebroadcaster.delivery;

import io.ssebroadcaster.hub.EventId;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventStreamCodecTest {

    static String wire(String type, String data) {
        return new String(EventStreamCodec.event(new EventId(5, 2), List.of("c"), type, data).bytes(), StandardCharsets.UTF_8);
    }

    @Test
    void encodesIdDataAndBlankLine() {
        assertEquals("id: 5-2\ndata: [1, 2, 3]\n\n", wire(null, "[1, 2, 3]"));
    }

    @Test
    void eachLineBecomesADataLineWhateverTheLineEnding() {
        assertEquals("id: 5-2\nevent: t\ndata: a\ndata: b\ndata: c\ndata: \ndata: d\n\n", wire("t", "a\nb\r\nc\r\rd"));
        assertEquals("id: 5-2\ndata: \n\n", wire(null, ""));
    }

    @Test
    void dataCannotForgeFields() {
        String w = wire(null, "x\n\nid: 999\ndata: forged");
        assertEquals("id: 5-2\ndata: x\ndata: \ndata: id: 999\ndata: data: forged\n\n", w);
    }

    @Test
    void farewellSaysWhyAndWhenToComeBack() {
        assertEquals(": refused: server busy\nretry: 4321\n\n",
                new String(EventStreamCodec.farewell("refused: server busy", 4321), StandardCharsets.US_ASCII));
        assertEquals(": ping\n\n", new String(EventStreamCodec.HEARTBEAT.bytes(), StandardCharsets.US_ASCII));
        assertEquals("id: 7-1\n\n", new String(EventStreamCodec.position(new EventId(7, 1)), StandardCharsets.US_ASCII));
        assertEquals(": ok\nretry: 3000\n\n", new String(EventStreamCodec.preamble(3000), StandardCharsets.US_ASCII));
    }
}
