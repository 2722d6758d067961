package io.ssebroadcaster.delivery;

import io.ssebroadcaster.Await;
import io.ssebroadcaster.history.MemoryHistory;
import io.ssebroadcaster.hub.ChannelInterest;
import io.ssebroadcaster.hub.Event;
import io.ssebroadcaster.hub.EventId;
import io.ssebroadcaster.hub.Hub;
import io.ssebroadcaster.hub.Subscription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the log says when clients stop reading: the cause (a full queue, or a write blocked past the
 * write timeout), and one line per cause however many clients are cut off at once.
 */
class SlowWarningsTest {

    private final AtomicLong clock = new AtomicLong(TimeUnit.SECONDS.toNanos(1000));
    private final Writers writers = new Writers(1, clock::get, false);
    private final Hub hub = new Hub(new MemoryHistory(100, 0, 1 << 20, EventId.ZERO), ChannelInterest.NONE, writers,
            new Hub.Limits(10, Duration.ofHours(1), Duration.ofHours(1)), EventStreamCodec.HEARTBEAT, EventId.ZERO,
            nanos -> { });
    private final Logger hubLog = Logger.getLogger(Hub.class.getName());
    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                warnings.add(record.getMessage());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private long nextId = 1;

    @BeforeEach
    void listen() {
        hubLog.addHandler(capture);
    }

    @AfterEach
    void stop() {
        hubLog.removeHandler(capture);
        hub.close();
        writers.close();
    }

    private Subscription attach(String channel, WritersTest.FakeOutlet outlet) {
        PushedStream stream = new PushedStream(writers, () -> new Event(EventId.ZERO, List.of(), null, "",
                ": bye\n\n".getBytes(StandardCharsets.US_ASCII)));
        Subscription sub = hub.subscribe(List.of(channel), null, Subscription.Kind.STREAM, null, stream).subscription();
        stream.attach(hub, sub, outlet);
        return sub;
    }

    private void publish(String channel) {
        hub.deliver(EventStreamCodec.event(new EventId(nextId++, 0), List.of(channel), null, "x"));
    }

    @Test
    void aClientCutOffByTheWriteTimeoutIsLoggedAsSuch() {
        WritersTest.FakeOutlet stalled = new WritersTest.FakeOutlet();
        stalled.block = new CountDownLatch(1);
        Subscription sub = attach("slow", stalled);
        publish("slow");
        WritersTest.blockPastWriteTimeout(stalled, clock, writers);
        assertEquals(Subscription.EndReason.SLOW, sub.endReason());
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("write"), warnings.toString());
        assertFalse(warnings.get(0).contains("events queued"), "not the queue: " + warnings);
    }

    @Test
    void manyClientsOverflowingAtOnceMakeOneLine() {
        WritersTest.FakeOutlet first = new WritersTest.FakeOutlet();
        first.block = new CountDownLatch(1); // the one writer blocks here, so every outbox fills
        attach("busy", first);
        List<Subscription> others = List.of(attach("busy", new WritersTest.FakeOutlet()),
                attach("busy", new WritersTest.FakeOutlet()), attach("busy", new WritersTest.FakeOutlet()));
        publish("busy");
        Await.until(() -> first.entered == 1, "the writer is blocked");
        for (int i = 0; i < 30; i++) {
            publish("busy");
        }
        for (Subscription sub : others) {
            assertEquals(Subscription.EndReason.SLOW, sub.endReason());
        }
        assertEquals(4, hub.stats().slowDropped());
        assertEquals(1, warnings.size(), "one line for four clients: " + warnings);
        assertTrue(warnings.get(0).contains("events queued"), warnings.toString());
        first.block.countDown();
    }
}
