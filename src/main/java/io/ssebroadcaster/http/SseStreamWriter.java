package io.ssebroadcaster.http;

import io.helidon.webserver.http.ServerResponse;
import io.ssebroadcaster.hub.Event;
import io.ssebroadcaster.hub.EventId;
import io.ssebroadcaster.hub.Hub;
import io.ssebroadcaster.hub.Subscription;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes one SSE stream on the request's own virtual thread, for as long as the client stays.
 *
 * <p>We write the pre-encoded event bytes to the response stream ourselves rather than through
 * Helidon's {@code SseSink}: the same array goes to every subscriber, several queued events leave in
 * one flush, and the {@code retry:} field can be sent. Helidon notices a vanished client only when
 * a write fails, which is why the hub queues heartbeats for idle streams.
 */
final class SseStreamWriter {

    private final long retryMillis;

    SseStreamWriter(long retryMillis) {
        this.retryMillis = retryMillis;
    }

    /** Above this, queued events are written one by one rather than copied into one array. */
    private static final int COALESCE_LIMIT = 64 * 1024;

    /**
     * Everything queued leaves in one write (one chunk) when it is small, however small Helidon's
     * write buffer is; a single event, the common case, is written as the shared array itself.
     */
    static void write(OutputStream out, List<Event> batch) throws IOException {
        int size = 0;
        for (Event e : batch) {
            size += e.bytes().length;
        }
        if (batch.size() == 1 || size > COALESCE_LIMIT) {
            for (Event e : batch) {
                out.write(e.bytes());
            }
            return;
        }
        byte[] all = new byte[size];
        int at = 0;
        for (Event e : batch) {
            System.arraycopy(e.bytes(), 0, all, at, e.bytes().length);
            at += e.bytes().length;
        }
        out.write(all);
    }

    void stream(ServerResponse res, Hub.Subscribed subscribed, EventId lastEventId) {
        Subscription sub = subscribed.subscription();
        Thread writer = Thread.currentThread();
        // A client that stopped reading leaves us blocked in write(); interrupting the virtual
        // thread closes its socket and releases us.
        sub.onEnd(() -> {
            if (sub.endReason() == Subscription.EndReason.SLOW) {
                writer.interrupt();
            }
        });
        EventStreamFormat.headers(res, subscribed.replay().truncated());
        List<Event> batch = new ArrayList<>(subscribed.replay().events());
        try (OutputStream out = res.outputStream()) {
            out.write(EventStreamFormat.preamble(retryMillis));
            if (subscribed.replay().truncated()) {
                out.write(EventStreamFormat.truncatedNotice(lastEventId));
            }
            if (batch.isEmpty()) {
                out.write(EventStreamFormat.position(subscribed.position()));
            }
            do {
                write(out, batch);
                out.flush();
                sub.markWritten();
                batch.clear();
            } while (sub.awaitBatch(batch));
        } catch (IOException | UncheckedIOException e) {
            // the client went away; the subscription ends below
        } finally {
            sub.end(Subscription.EndReason.CLOSED);
            Thread.interrupted(); // our own interrupt must not leak into Helidon's connection handling
        }
    }
}
