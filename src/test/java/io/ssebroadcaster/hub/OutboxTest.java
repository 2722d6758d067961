package io.ssebroadcaster.hub;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OutboxTest {

    static Event event(long n) {
        return new Event(new EventId(n, 0), List.of("c"), null, "m" + n, new byte[] {(byte) n});
    }

    static final Event KEEP_ALIVE = new Event(EventId.ZERO, List.of(), null, "", new byte[0]);

    @Test
    void saysWhenTheFirstEventArrivesAndWhenItIsFull() {
        Outbox box = new Outbox(3);
        assertEquals(Outbox.Offer.QUEUED_FIRST, box.offer(event(1)));
        assertEquals(Outbox.Offer.QUEUED, box.offer(event(2)));
        assertEquals(Outbox.Offer.QUEUED, box.offer(event(3)));
        assertEquals(Outbox.Offer.OVERFLOW, box.offer(event(4)));
        assertEquals(3, box.size(), "an overflow queues nothing");
        List<Event> batch = new ArrayList<>();
        assertEquals(3, box.drainTo(batch));
        assertEquals(Outbox.Offer.QUEUED_FIRST, box.offer(event(5)), "drained: the next one is first again");
    }

    @Test
    void drainTakesEverythingInOrderAndRepeatsAreDropped() {
        Outbox box = new Outbox(100);
        for (int i = 1; i <= 10; i++) {
            box.offer(event(i));
        }
        assertEquals(Outbox.Offer.DUPLICATE, box.offer(event(5)), "an id not after the last offered is a repeat");
        List<Event> batch = new ArrayList<>();
        box.drainTo(batch);
        assertEquals(10, batch.size());
        assertEquals("m1", batch.getFirst().data());
        assertEquals("m10", batch.getLast().data());
        assertTrue(box.isEmpty());
    }

    @Test
    void eventsUpToTheReplayedIdAreSkipped() {
        Outbox box = new Outbox(10);
        box.skipThrough(new EventId(3, 0));
        assertEquals(Outbox.Offer.DUPLICATE, box.offer(event(2)));
        assertEquals(Outbox.Offer.DUPLICATE, box.offer(event(3)));
        assertEquals(Outbox.Offer.QUEUED_FIRST, box.offer(event(4)));
    }

    @Test
    void keepAliveOnlyIntoAnEmptyOutboxAndNeverCounted() {
        Outbox box = new Outbox(1);
        assertTrue(box.offerKeepAlive(KEEP_ALIVE));
        assertFalse(box.offerKeepAlive(KEEP_ALIVE), "one is enough");
        List<Event> batch = new ArrayList<>();
        box.drainTo(batch);
        assertEquals(List.of(KEEP_ALIVE), batch);
        assertEquals(Outbox.Offer.QUEUED_FIRST, box.offer(event(1)));
        assertFalse(box.offerKeepAlive(KEEP_ALIVE), "an event waiting does as a keep-alive");
    }

    @Test
    void closeKeepsWhatIsQueuedDiscardForgetsIt() {
        Outbox closed = new Outbox(10);
        closed.offer(event(1));
        closed.close();
        assertEquals(Outbox.Offer.CLOSED, closed.offer(event(2)));
        List<Event> batch = new ArrayList<>();
        closed.drainTo(batch);
        assertEquals(1, batch.size(), "at shutdown what was accepted is still written");

        Outbox discarded = new Outbox(10);
        discarded.offer(event(1));
        discarded.discard();
        assertEquals(Outbox.Offer.CLOSED, discarded.offer(event(2)));
        assertTrue(discarded.isEmpty());
    }

    @Test
    void growsToTheLimitAndShrinksAfterABurst() {
        Outbox box = new Outbox(1000);
        for (int i = 1; i <= 1000; i++) {
            assertTrue(box.offer(event(i)) != Outbox.Offer.OVERFLOW);
        }
        List<Event> batch = new ArrayList<>();
        assertEquals(1000, box.drainTo(batch));
        for (int i = 0; i < 1000; i++) {
            assertEquals(i + 1, batch.get(i).id().millis());
        }
    }
}
