package io.ssebroadcaster.hub;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventIdAndChannelNameTest {
    @Test
    void idsParseCompareAndIncrease() {
        assertEquals(new EventId(17, 3), EventId.parse("17-3"));
        assertEquals(new EventId(17, 0), EventId.parse("17"));
        assertEquals(new EventId(17, 3, 2), EventId.parse("17-3.2"));
        assertEquals("17-3.2", new EventId(17, 3, 2).toString());
        assertTrue(EventId.parse("17-3.1").isAfter(EventId.parse("17-3")));
        assertTrue(EventId.parse("17-4").isAfter(EventId.parse("17-3.9")));
        assertTrue(EventId.parse("18-0").isAfter(EventId.parse("17-99")));
        for (String bad : List.of("", "-", "a-1", "1-", "1-2-3", "1-2.", "1-2.x", "99999999999999999999", "1 2")) {
            assertThrows(IllegalArgumentException.class, () -> EventId.parse(bad), bad);
        }
        long[] now = {100};
        EventIdGenerator gen = new EventIdGenerator(() -> now[0]);
        EventId a = gen.next();
        EventId b = gen.next();
        now[0] = 50; // the clock steps back
        EventId c = gen.next();
        now[0] = 200;
        EventId d = gen.next();
        assertTrue(b.isAfter(a) && c.isAfter(b) && d.isAfter(c));
        assertEquals(new EventId(200, 0), d);
    }

    @Test
    void channelNamesAndPatterns() {
        assertEquals(null, ChannelName.problemForPublish("news.sport_1:a@b/c-d"));
        assertTrue(ChannelName.problemForPublish("news.*") != null);
        assertEquals(null, ChannelName.problemForSubscribe("news.*"));
        assertTrue(ChannelName.problemForSubscribe("a b") != null);
        assertTrue(ChannelName.problemForSubscribe("") != null);
        assertTrue(ChannelName.problemForSubscribe("x".repeat(256)) != null);
        assertTrue(ChannelName.matches("news.*", "news.sport"));
        assertTrue(ChannelName.matches("news.*", "news."));
        assertTrue(ChannelName.matches("*.sport", "news.sport"));
        assertTrue(ChannelName.matches("a*b*c", "aXXbYYc"));
        assertTrue(!ChannelName.matches("news.*", "sport.news"));
        assertTrue(!ChannelName.matches("a*b", "aXXbY"));
    }
}
