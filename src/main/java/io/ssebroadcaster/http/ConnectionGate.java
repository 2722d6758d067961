package io.ssebroadcaster.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.Status;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http1.Http1ConnectionListener;
import io.ssebroadcaster.hub.RateLimitedWarning;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps one listener's sockets for clients that use them. Helidon 4.3 stops accepting at its socket
 * cap and reads a request head for as long as the client keeps trickling it (it has no read timeout
 * on server sockets), so a few hundred connections sending a byte now and then would keep every
 * publisher out. This gate sees each socket from its accept on ({@link GateSocketOptions}) and
 * follows it through Helidon's HTTP/1 listener events and our routes, and:
 *
 * <ul>
 *   <li>closes a connection that has not sent a complete request head within the head timeout of
 *       opening, or within the keep-alive timeout of its previous answer: a total deadline, which a
 *       trickle cannot stretch;</li>
 *   <li>closes one whose request body has not arrived within the body timeout of its head;</li>
 *   <li>when the listener's sockets run short, closes the connections that wait for a request (idle
 *       keep-alives, trickling or silent ones), oldest first (none younger than {@link #EVICT_MIN_AGE_NANOS}), so Helidon keeps accepting and a
 *       publish, {@code /health} or {@code /metrics} gets in. Streams and requests being served are
 *       never closed by it: streams have their own cap ({@code --max-connections}) below the socket
 *       cap, which leaves the rest for everything else.</li>
 * </ul>
 *
 * <p>Event streams and long polls are let go of while they last ({@link SubscribeService} tells when) and have no
 * deadline here; HTTP/2 connections (TLS only) are left to Helidon once their first request arrives.
 */
public final class ConnectionGate implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ConnectionGate.class.getName());
    private static final long SWEEP_EVERY_MILLIS = 250;
    /**
     * A connection this young is not closed to make room: in a reconnect storm the newcomers are
     * that young, and the room they need comes from the departed streams, noticed within a second.
     * A slow client that holds a socket is older.
     */
    static final long EVICT_MIN_AGE_NANOS = TimeUnit.SECONDS.toNanos(2);

    /** Where a connection is, as far as deadlines go. */
    enum Phase {
        /** Accepted; its first request head is not complete yet (head timeout). */
        OPENED,
        /** Answered and kept alive; its next request head is not complete yet (keep-alive timeout). */
        KEPT_ALIVE,
        /** Its head is in; the body is being read (body timeout). */
        BODY,
        /** Its head (and any body) is in; being served. */
        SERVED,
        /** HTTP/2: many requests share it, Helidon keeps its own limits. */
        HTTP2
    }

    /** One accepted socket. */
    static final class Entry {
        final SocketAddress peer;
        final Socket socket;
        volatile Phase phase = Phase.OPENED;
        volatile long since;

        Entry(SocketAddress peer, Socket socket, long now) {
            this.peer = peer;
            this.socket = socket;
            this.since = now;
        }

        void enter(Phase next, long now) {
            since = now;
            phase = next;
        }

        boolean waitsForRequest() {
            Phase p = phase;
            return p == Phase.OPENED || p == Phase.KEPT_ALIVE;
        }
    }

    /** Every accepted socket the gate watches: all but the open streams and polls. */
    private final Map<SocketAddress, Entry> open = new ConcurrentHashMap<>();
    /** Open streams and polls, which the gate does not watch but which hold sockets too. */
    private final AtomicInteger streams = new AtomicInteger();
    private final long headNanos;
    private final long keepAliveNanos;
    private final long bodyNanos;
    /** Above this many open sockets, connections waiting for a request are closed... */
    private final int evictAbove;
    /** ...down to this many, so a batch of new connections fits before the next sweep. */
    private final int evictDownTo;
    private final ScheduledExecutorService sweeper;
    private final AtomicBoolean sweepQueued = new AtomicBoolean();
    private final AtomicBoolean unseenReported = new AtomicBoolean();
    private final RateLimitedWarning evictionWarning = new RateLimitedWarning(LOG);
    private final Http1ConnectionListener received = new Received();
    private final Http1ConnectionListener sent = new Sent();

    /**
     * @param socketCap the listener's socket cap (Helidon's {@code maxTcpConnections})
     */
    public ConnectionGate(int socketCap, Duration headTimeout, Duration keepAliveTimeout, Duration bodyTimeout) {
        this.headNanos = headTimeout.toNanos();
        this.keepAliveNanos = keepAliveTimeout.toNanos();
        this.bodyNanos = bodyTimeout.toNanos();
        int headroom = Math.max(4, Math.min(64, socketCap / 16));
        this.evictAbove = Math.max(1, socketCap - headroom);
        this.evictDownTo = Math.max(0, socketCap - 2 * headroom);
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sse-connection-gate");
            t.setDaemon(true);
            return t;
        });
        sweeper.scheduleWithFixedDelay(this::sweepSafely, SWEEP_EVERY_MILLIS, SWEEP_EVERY_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Helidon's HTTP/1 receive events for this listener: a request head is complete. */
    public Http1ConnectionListener receiveListener() {
        return received;
    }

    /** Helidon's HTTP/1 send events for this listener: an answer has begun. */
    public Http1ConnectionListener sendListener() {
        return sent;
    }

    /** Called on the listener's thread for each accepted socket (see {@link GateSocketOptions}). */
    void accepted(Socket socket) {
        SocketAddress peer = socket.getRemoteSocketAddress();
        if (peer == null) {
            return;
        }
        open.put(peer, new Entry(peer, socket, System.nanoTime()));
        if (open.size() + streams.get() > evictAbove && sweepQueued.compareAndSet(false, true)) {
            sweeper.execute(this::sweepSafely); // the listener thread itself only counts
        }
    }

    /** For every routed request: an HTTP/2 connection leaves the gate's watch. */
    void routed(ServerRequest req) {
        if (!req.prologue().protocolVersion().startsWith("1.")) {
            Entry e = entry(req.remotePeer().address());
            if (e != null && e.phase != Phase.HTTP2) {
                e.enter(Phase.HTTP2, System.nanoTime());
            }
        }
    }

    /** The request's body has been read: what remains is serving it, which has no deadline here. */
    void bodyRead(ServerRequest req) {
        Entry e = entry(req.remotePeer().address());
        if (e != null && e.phase == Phase.BODY) {
            e.enter(Phase.SERVED, System.nanoTime());
        }
    }

    /**
     * The request became an event stream or a long poll: it has no deadline here and is counted by
     * {@code --max-connections}, so the gate lets go of it (an idle stream costs the gate nothing
     * but this count) and hands back what {@link #streamClosed} needs to watch the connection again.
     *
     * @return the connection's socket, or null when the gate does not watch it (HTTP/2, or unseen)
     */
    Socket streamOpened(ServerRequest req) {
        SocketAddress peer = req.remotePeer().address();
        Entry e = entry(peer);
        if (e == null || e.phase == Phase.HTTP2 || !open.remove(peer, e)) {
            return null;
        }
        streams.incrementAndGet();
        return e.socket;
    }

    /** The stream or poll is over; an HTTP/1 connection may be kept alive for another request. */
    void streamClosed(Socket socket) {
        if (socket == null) {
            return;
        }
        streams.decrementAndGet();
        SocketAddress peer = socket.getRemoteSocketAddress();
        if (peer != null && !socket.isClosed()) {
            Entry e = new Entry(peer, socket, System.nanoTime());
            e.phase = Phase.KEPT_ALIVE;
            open.put(peer, e);
        }
    }

    private Entry entry(SocketAddress peer) {
        return peer == null ? null : open.get(peer);
    }

    private void sweepSafely() {
        try {
            sweep();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "connection gate", e);
        }
    }

    /** Forgets closed sockets, closes those past their deadline, and makes room when sockets run short. */
    void sweep() {
        sweepQueued.set(false);
        long now = System.nanoTime();
        int live = streams.get();
        List<Entry> waiting = new ArrayList<>();
        for (Iterator<Entry> it = open.values().iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (e.socket.isClosed()) {
                it.remove();
                continue;
            }
            long age = now - e.since;
            Phase phase = e.phase;
            if (age > deadline(phase)) {
                close(e);
                it.remove();
                continue;
            }
            live++;
            if (e.waitsForRequest() && age > EVICT_MIN_AGE_NANOS) {
                waiting.add(e);
            }
        }
        if (live > evictAbove && !waiting.isEmpty()) {
            waiting.sort(Comparator.comparingLong(e -> e.since));
            int n = Math.min(waiting.size(), live - evictDownTo);
            for (int i = 0; i < n; i++) {
                Entry e = waiting.get(i);
                if (e.waitsForRequest()) { // not if its request arrived meanwhile
                    close(e);
                    open.remove(e.peer, e);
                }
            }
            int total = live;
            evictionWarning.warn(() -> total + " sockets open, near the listener's cap: closed " + n
                    + " connections that were not sending a request (idle, silent or trickling ones)");
        }
    }

    /** How long a connection may stay in {@code phase}: none while it is being served or is HTTP/2. */
    private long deadline(Phase phase) {
        return switch (phase) {
            case OPENED -> headNanos;
            case KEPT_ALIVE -> keepAliveNanos;
            case BODY -> bodyNanos;
            case SERVED, HTTP2 -> Long.MAX_VALUE;
        };
    }

    /**
     * Closes from this thread. {@code SO_LINGER 0} makes it immediate: nothing of ours is left to be
     * sent on a connection that is waiting for a request, and for TLS it keeps the close from
     * waiting on the peer.
     */
    private static void close(Entry e) {
        try {
            e.socket.setSoLinger(true, 0);
        } catch (IOException | RuntimeException ignored) {
            // closed meanwhile
        }
        try {
            e.socket.close();
        } catch (IOException | RuntimeException ignored) {
            // closed meanwhile
        }
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
    }

    /** A request head is complete (two listeners: both sides are told of headers). */
    private final class Received implements Http1ConnectionListener {
        @Override
        public void headers(ConnectionContext ctx, Headers headers) {
            Entry e = entry(ctx.remotePeer().address());
            if (e == null && unseenReported.compareAndSet(false, true)) {
                // Helidon no longer applies its socket options to accepted sockets as 4.3 does
                LOG.warning("a request came on a connection the connection gate never saw accepted: request "
                        + "deadlines and room at the socket cap do not work with this Helidon version");
            }
            if (e != null && e.waitsForRequest()) {
                boolean body = headers.contains(HeaderNames.CONTENT_LENGTH) || headers.contains(HeaderNames.TRANSFER_ENCODING);
                e.enter(body ? Phase.BODY : Phase.SERVED, System.nanoTime());
            }
        }
    }

    /** An answer has begun: the connection waits for its next request (unless it is a stream). */
    private final class Sent implements Http1ConnectionListener {
        @Override
        public void status(ConnectionContext ctx, Status status) {
            if (status.code() < 200) {
                return; // 100 Continue: the body is still to come
            }
            Entry e = entry(ctx.remotePeer().address());
            if (e != null && (e.phase == Phase.BODY || e.phase == Phase.SERVED)) {
                e.enter(Phase.KEPT_ALIVE, System.nanoTime());
            }
        }
    }
}
