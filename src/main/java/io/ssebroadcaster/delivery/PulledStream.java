package io.ssebroadcaster.delivery;

import io.ssebroadcaster.hub.Drain;
import io.ssebroadcaster.hub.Event;
import io.ssebroadcaster.hub.Hub;
import io.ssebroadcaster.hub.Subscription;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * A stream whose request thread writes its events itself: an HTTP/2 stream, which shares its
 * connection with other streams and so cannot be handed to the {@link Writers}. The thread sleeps
 * until the hub says events are queued, and looks every {@link Http2Departures#PROBE_MILLIS} ms
 * whether the client has gone.
 */
final class PulledStream implements Drain {

    private final Thread thread = Thread.currentThread();
    private volatile Subscription.EndReason ended;

    @Override
    public void ready(Subscription subscription) {
        LockSupport.unpark(thread);
    }

    @Override
    public void ended(Subscription subscription, Subscription.EndReason reason) {
        ended = reason;
        if (reason == Subscription.EndReason.SLOW) {
            // may be blocked in a write to a client that stopped reading: the interrupt fails it
            thread.interrupt();
        } else {
            LockSupport.unpark(thread);
        }
    }

    /**
     * Writes {@code opening} and the replay, then live events until the subscription ends or the client
     * goes; at shutdown what is queued and the farewell go out first.
     */
    void run(Hub hub, Subscription sub, byte[] opening, List<Event> replay, OutputStream body, Writers writers,
             BooleanSupplier departed, PushedStream.Farewell farewell) {
        TimedOutlet out = new TimedOutlet(new StreamOutlet(body, thread), writers,
                () -> hub.cutOff(sub));
        List<Event> batch = new ArrayList<>();
        try (body) {
            out.write(opening, 0, opening.length);
            EventBatch.write(out, replay, null);
            out.flush(); // the client sees the preamble at once (EventSource fires open)
            sub.markWritten();
            while (true) {
                Subscription.EndReason reason = ended;
                if (reason != null && reason != Subscription.EndReason.SHUTDOWN) {
                    return;
                }
                sub.outbox().drainTo(batch);
                boolean last = reason == Subscription.EndReason.SHUTDOWN && sub.outbox().isEmpty();
                if (last) {
                    batch.add(farewell.next());
                }
                if (!batch.isEmpty()) {
                    EventBatch.write(out, batch, null);
                    out.flush();
                    sub.markWritten();
                    batch.clear();
                    if (last) {
                        return;
                    }
                    continue;
                }
                LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(Http2Departures.PROBE_MILLIS));
                if (departed.getAsBoolean()) {
                    return;
                }
            }
        } catch (IOException | RuntimeException e) {
            // the client went away, or was cut off (Helidon's HTTP/2 stream says so in several ways)
        } finally {
            hub.end(sub, Subscription.EndReason.CLOSED);
            Thread.interrupted(); // our own interrupt must not leak into Helidon's connection handling
        }
    }

    /** An outlet over the response's output stream, on the request's own thread. */
    private record StreamOutlet(OutputStream body, Thread thread) implements Outlet {
        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            body.write(bytes, offset, length);
        }

        @Override
        public void flush() throws IOException {
            body.flush();
        }

        /** Interrupting a virtual thread blocked in a write fails that write. */
        @Override
        public void abort() {
            thread.interrupt();
        }

        @Override
        public void close() {
            try {
                body.close();
            } catch (IOException | UncheckedIOException e) {
                // gone already
            }
        }
    }
}
