package io.ssebroadcaster.delivery;

import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.ssebroadcaster.hub.Backlog;
import io.ssebroadcaster.hub.Position;
import io.ssebroadcaster.hub.Hub;
import io.ssebroadcaster.hub.Subscription;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Serves subscribers: the one place that decides how a subscription's events reach its client.
 *
 * <ul>
 *   <li>HTTP/1 streams (plain or TLS) are {@linkplain PushedStream pushed} to by the {@link Writers};
 *       the request's virtual thread only blocks reading the connection, which returns the moment the
 *       client leaves.</li>
 *   <li>HTTP/2 streams share their connection, so their own thread {@linkplain PulledStream pulls}.</li>
 *   <li>Long polls get one {@linkplain LongPoll answer}.</li>
 * </ul>
 *
 * <p>Whatever the transport, what a client gets first is the same: the preamble with the
 * {@code retry:}, the history-truncated notice if it missed more than history holds (or than one replay
 * may carry), then its replay or its position. Live events wait in the subscription's outbox until
 * the replay is written.
 */
public final class EventStreams implements AutoCloseable {

    private final Writers writers = new Writers(Math.max(2, Runtime.getRuntime().availableProcessors()));
    private final Refusals refusals;
    private final PushedStream.Farewell farewell;
    private final long retryMillis;
    private final Duration pollTimeout;
    private Hub hub;

    public EventStreams(Refusals refusals, Duration retry, Duration pollTimeout) {
        this.refusals = refusals;
        this.farewell = refusals::shutdownFarewell;
        this.retryMillis = retry.toMillis();
        this.pollTimeout = pollTimeout;
    }

    /** How far behind the writers are: the hub refuses work past its limit. */
    public Backlog backlog() {
        return writers;
    }

    /** The hub whose subscribers this serves; set once, before the server starts. */
    public void bind(Hub hub) {
        this.hub = hub;
    }

    /** What a subscriber asked for. */
    public record Request(List<String> channels, Position lastEventId, boolean longPoll, Instant expiresAt) {
    }

    /**
     * Subscribes and serves the client until it leaves or is sent away.
     *
     * @throws io.ssebroadcaster.hub.HubOverloadedException when the server cannot take it now
     * @throws io.ssebroadcaster.hub.HubClosedException     when the server is shutting down
     */
    public void serve(ServerRequest req, ServerResponse res, Request request) {
        boolean http1 = req.prologue().protocolVersion().startsWith("1.");
        if (request.longPoll()) {
            poll(res, request, http1);
            return;
        }
        if (!http1) {
            pull(res, request);
            return;
        }
        // An HTTP/1 stream is pushed to. This is inline rather than a method of its own, and the wait
        // for the client to leave too: every frame here stays on each idle stream's parked stack.
        PushedStream stream = new PushedStream(writers, farewell);
        Hub.Subscribed subscribed = hub.subscribe(request.channels(), request.lastEventId(), Subscription.Kind.STREAM,
                request.expiresAt(), stream);
        Subscription sub = subscribed.subscription();
        EventStreamCodec.headers(res, subscribed.replay().truncated());
        EventStreamSink sink = res.sink(EventStreamSink.TYPE);
        try {
            sink.open(opening(subscribed, request.lastEventId()));
            // the replay is written on this thread, watched for a client that stops reading meanwhile
            EventBatch.write(new TimedOutlet(sink, writers, () -> {
                hub.cutOff(sub);
                sink.abort();
            }), subscribed.replay().events(), null);
            sub.markWritten();
            stream.attach(hub, sub, sink);
            // Blocks until the client closes (FIN), resets (RST), or we close the socket
            InputStream in = ConnectionSockets.inputOf(sink.connection());
            while (in.read(ConnectionSockets.DISCARD, 0, ConnectionSockets.DISCARD.length) >= 0) {
                // a client that sends on an event stream is ignored
            }
        } catch (IOException | UncheckedIOException e) {
            // the client went away, or we cut it off
        } finally {
            hub.end(sub, Subscription.EndReason.CLOSED);
            sink.finish();
        }
    }

    private void pull(ServerResponse res, Request request) {
        PulledStream stream = new PulledStream();
        Hub.Subscribed subscribed = hub.subscribe(request.channels(), request.lastEventId(), Subscription.Kind.STREAM,
                request.expiresAt(), stream);
        EventStreamCodec.headers(res, subscribed.replay().truncated());
        stream.run(hub, subscribed.subscription(), opening(subscribed, request.lastEventId()),
                subscribed.replay().events(), res.outputStream(), writers, Http2Departures.of(res),
                farewell);
    }

    private void poll(ServerResponse res, Request request, boolean http1) {
        LongPoll poll = new LongPoll(hub, writers, refusals, pollTimeout, retryMillis);
        Hub.Subscribed subscribed = hub.subscribe(request.channels(), request.lastEventId(), Subscription.Kind.POLL,
                request.expiresAt(), poll);
        // On HTTP/1 the sink is only asked for the connection; the answer goes out the usual way
        var connection = http1 ? res.sink(EventStreamSink.TYPE).connection() : null;
        poll.answer(res, subscribed, request.lastEventId(), connection, http1 ? () -> false : Http2Departures.of(res));
    }

    /** What the client gets before live events: the preamble, then its replay or its position. */
    private byte[] opening(Hub.Subscribed subscribed, Position lastEventId) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(EventStreamCodec.preamble(retryMillis));
        if (subscribed.replay().truncated()) {
            out.writeBytes(EventStreamCodec.truncatedNotice(lastEventId));
        }
        if (subscribed.replay().events().isEmpty()) {
            out.writeBytes(EventStreamCodec.position(subscribed.position()));
        }
        return out.toByteArray();
    }

    /** Stops the writers; the hub has ended every stream before. */
    @Override
    public void close() {
        writers.close();
    }
}
