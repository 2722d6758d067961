package io.ssebroadcaster.delivery;

import io.ssebroadcaster.Await;
import io.ssebroadcaster.history.MemoryHistory;
import io.ssebroadcaster.hub.ChannelInterest;
import io.ssebroadcaster.hub.Event;
import io.ssebroadcaster.hub.EventId;
import io.ssebroadcaster.hub.Hub;
import io.ssebroadcaster.hub.HubOverloadedException;
import io.ssebroadcaster.hub.Subscription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The writers with a hand-driven clock and watchdog, and outlets that record what they get or block
 * like a client that stopped reading.
 */
class WritersTest {

    private final AtomicLong clock = new AtomicLong(TimeUnit.SECONDS.toNanos(1000));
    /** One slot, so every stream shares one line: the worst case for a stalled client. */
    private final Writers writers = new Writers(1, clock::get, false);
    private static final Duration MAX_BACKLOG = Duration.ofSeconds(1);
    private final Hub hub = new Hub(new MemoryHistory(100, 0, 1 << 20, EventId.ZERO), ChannelInterest.NONE, writers,
            new Hub.Limits(100, Duration.ofHours(1), MAX_BACKLOG), EventStreamCodec.HEARTBEAT, EventId.ZERO, nanos -> { });
    private long nextId = 1;

    @AfterEach
    void stop() {
        hub.close();
        writers.close();
    }

    /** Records writes; blocks each write while {@link #block} is set, until aborted. */
    static class FakeOutlet implements Outlet {
        final ByteArrayOutputStream got = new ByteArrayOutputStream();
        volatile CountDownLatch block;
        volatile int writes;
        /** Writes begun, including one blocked now. */
        volatile int entered;
        volatile boolean aborted;
        volatile boolean closed;

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            entered++;
            CountDownLatch b = block;
            if (b != null) {
                try {
                    b.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                if (aborted) {
                    throw new IOException("aborted while blocked");
                }
            }
            synchronized (got) {
                got.write(bytes, offset, length);
            }
            writes++;
        }

        @Override
        public void abort() {
            aborted = true;
            CountDownLatch b = block;
            if (b != null) {
                b.countDown();
            }
        }

        @Override
        public void close() {
            closed = true;
        }

        String text() {
            synchronized (got) {
                return got.toString(StandardCharsets.UTF_8);
            }
        }
    }

    /** Once a write to {@code stalled} blocks: the watchdog finds it stalled, then blocked past the write timeout. */
    static void blockPastWriteTimeout(FakeOutlet stalled, AtomicLong clock, Writers writers) {
        Await.until(() -> stalled.entered == 1, "writing");
        clock.addAndGet(Writers.STALL + 1);
        writers.watchOnce();
        clock.addAndGet(Writers.WRITE_TIMEOUT);
        writers.watchOnce();
    }

    private Subscription attach(String channel, FakeOutlet outlet) {
        PushedStream stream = new PushedStream(writers, () -> new Event(EventId.ZERO, List.of(), null, "",
                ": bye\nretry: 1234\n\n".getBytes(StandardCharsets.US_ASCII)));
        Subscription sub = hub.subscribe(List.of(channel), null, Subscription.Kind.STREAM, null, stream).subscription();
        stream.attach(hub, sub, outlet);
        return sub;
    }

    private void publish(String channel, String data) {
        hub.deliver(EventStreamCodec.event(new EventId(nextId++, 0), List.of(channel), null, data));
    }

    @Test
    void queuedEventsLeaveInOneWriteInOrder() {
        FakeOutlet outlet = new FakeOutlet();
        outlet.block = new CountDownLatch(1);
        attach("c", outlet);
        publish("c", "one");
        Await.until(() -> outlet.entered == 1, "first write in progress");
        publish("c", "two");
        publish("c", "three");
        outlet.block.countDown();
        Await.until(() -> outlet.text().contains("three"), "all written");
        assertEquals("id: 1-0\ndata: one\n\nid: 2-0\ndata: two\n\nid: 3-0\ndata: three\n\n", outlet.text());
        assertEquals(2, outlet.writes, "what queued during the first write went out in one more");
    }

    @Test
    void aStalledClientIsMovedAsideAndOthersKeepBeingWritten() {
        FakeOutlet stalled = new FakeOutlet();
        stalled.block = new CountDownLatch(1);
        FakeOutlet healthy = new FakeOutlet();
        attach("slow", stalled);
        attach("fast", healthy);
        publish("slow", "stuck");
        Await.until(() -> stalled.entered == 1, "writer blocked on the stalled client");
        publish("fast", "a");
        writers.watchOnce();
        assertEquals(0, healthy.writes, "not stalled yet: the line waits");
        clock.addAndGet(Writers.STALL + 1);
        writers.watchOnce();
        assertEquals(1, writers.stalledWriters());
        Await.until(() -> healthy.text().contains("data: a"), "the other client is written by a fresh writer");
        publish("fast", "b");
        Await.until(() -> healthy.text().contains("data: b"), "and keeps being written");
    }

    @Test
    void aWriteBlockedPastTheTimeoutCutsTheClientOff() {
        FakeOutlet stalled = new FakeOutlet();
        stalled.block = new CountDownLatch(1);
        Subscription sub = attach("slow", stalled);
        publish("slow", "stuck");
        blockPastWriteTimeout(stalled, clock, writers);
        assertEquals(Subscription.EndReason.SLOW, sub.endReason());
        assertTrue(stalled.aborted, "its connection is cut, which fails the blocked write");
        assertEquals(1, hub.stats().slowDropped());
        assertEquals(0, hub.stats().streams(), "gone from the stats at once");
        Await.until(() -> writers.stalledWriters() == 0, "the stalled writer thread ends");
    }

    @Test
    void aWaitingLineIsTheBacklogThatRefusesWork() {
        FakeOutlet first = new FakeOutlet();
        first.block = new CountDownLatch(1);
        FakeOutlet second = new FakeOutlet();
        attach("a", first);
        attach("b", second);
        publish("a", "x");
        Await.until(() -> first.entered == 1, "writer busy with the first");
        publish("b", "y"); // waits in line behind the blocked write (the watchdog is not running)
        clock.addAndGet(MAX_BACKLOG.toNanos() + 1);
        writers.watchOnce();
        assertTrue(writers.behindNanos() > MAX_BACKLOG.toNanos());
        assertThrows(HubOverloadedException.class, hub::admit);
        first.block.countDown();
        Await.until(() -> second.text().contains("data: y"), "line served");
        Await.until(() -> {
            writers.watchOnce();
            return writers.behindNanos() == 0;
        }, "no backlog");
        hub.admit();
    }

    @Test
    void atShutdownWhatWasQueuedIsWrittenThenTheFarewellThenTheConnectionCloses() {
        FakeOutlet outlet = new FakeOutlet();
        outlet.block = new CountDownLatch(1);
        attach("c", outlet);
        publish("c", "one");
        publish("c", "two");
        hub.close();
        outlet.block.countDown();
        Await.until(() -> outlet.closed, "closed after the farewell");
        assertTrue(outlet.text().endsWith("data: two\n\n: bye\nretry: 1234\n\n"), outlet.text());
    }

    @Test
    void aFailedWriteEndsTheSubscriptionAsClosed() {
        FakeOutlet outlet = new FakeOutlet() {
            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                throw new IOException("client went away");
            }
        };
        Subscription sub = attach("c", outlet);
        publish("c", "lost");
        Await.until(() -> sub.endReason() == Subscription.EndReason.CLOSED, "ended");
        assertEquals(0, hub.stats().slowDropped());
    }
}
