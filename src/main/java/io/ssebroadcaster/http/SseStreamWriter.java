package io.ssebroadcaster.http;

import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.ssebroadcaster.hub.Event;
import io.ssebroadcaster.hub.EventId;
import io.ssebroadcaster.hub.Hub;
import io.ssebroadcaster.hub.Subscription;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Serves one SSE stream for as long as the client stays.
 *
 * <p>On plain HTTP/1 the response head and the replay are written here, then the socket is
 * {@linkplain Subscription#attach handed to the hub}, whose writer threads push live events to it,
 * and the request's virtual thread just waits for the end. Over TLS or HTTP/2 the connection cannot
 * be shared that way, so this thread pulls its events and writes them itself.
 *
 * <p>Either way we write the pre-encoded event bytes ourselves rather than through Helidon's
 * {@code SseSink}: the same array goes to every subscriber, several queued events leave in one
 * write, and the {@code retry:} field can be sent. Helidon notices a vanished client only when
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

    void stream(ServerRequest req, ServerResponse res, Hub.Subscribed subscribed, EventId lastEventId) {
        if (!req.isSecure() && req.prologue().protocolVersion().startsWith("1.")) {
            push(res, subscribed, lastEventId);
        } else {
            pull(res, subscribed, lastEventId);
        }
    }

    /** What the client gets before live events: the preamble, then its replay or its position. */
    private byte[] opening(Hub.Subscribed subscribed, EventId lastEventId) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(EventStreamFormat.preamble(retryMillis));
        if (subscribed.replay().truncated()) {
            out.writeBytes(EventStreamFormat.truncatedNotice(lastEventId));
        }
        if (subscribed.replay().events().isEmpty()) {
            out.writeBytes(EventStreamFormat.position(subscribed.position()));
        }
        return out.toByteArray();
    }

    private void push(ServerResponse res, Hub.Subscribed subscribed, EventId lastEventId) {
        Subscription sub = subscribed.subscription();
        EventStreamFormat.headers(res, subscribed.replay().truncated());
        EventStreamSink sink = res.sink(EventStreamSink.TYPE);
        // A client cut off (too slow, token expired) may have a writer blocked on it: closing the
        // socket releases it. At shutdown the writers still write what was queued, then we close.
        sub.onEnd(() -> {
            if (sub.endReason() != Subscription.EndReason.SHUTDOWN) {
                sink.abort();
            }
        });
        try {
            sink.open(opening(subscribed, lastEventId));
            for (Event e : subscribed.replay().events()) {
                sink.write(e.bytes(), 0, e.bytes().length);
            }
            sub.markWritten();
            sub.attach(sink);
            sub.awaitEnd();
        } catch (IOException e) {
            // the client went away during the replay
        } finally {
            sub.end(Subscription.EndReason.CLOSED);
            sink.close();
            Thread.interrupted();
        }
    }

    private void pull(ServerResponse res, Hub.Subscribed subscribed, EventId lastEventId) {
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
            out.write(opening(subscribed, lastEventId));
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
