package io.ssebroadcaster.delivery;

import io.helidon.common.socket.HelidonSocket;
import io.helidon.common.socket.PlainSocket;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What an event stream needs of its connection's socket that Helidon 4.3 does not offer: the socket
 * itself, to notice at once that the client left and to cut it off from another thread, and the
 * release of a read buffer the stream never uses.
 *
 * <p>Why reflection: Helidon's {@code PlainSocket} (and {@code TlsSocket}, its subclass) keeps the
 * {@link Socket} private and holds a fixed 8 KiB read buffer for as long as the connection lives, a
 * third of what an idle stream would cost. Helidon's jars are on the class path, so the fields can
 * be reached. If a later Helidon renames them, streams fall back to Helidon's own socket methods
 * and say so once; {@code ConnectionSocketsTest} fails on such an upgrade.
 */
final class ConnectionSockets {

    private static final Logger LOG = Logger.getLogger(ConnectionSockets.class.getName());
    private static final int SMALL_BYTES = 64;
    private static final Field READ_BUFFER = find("readBuffer", byte[].class);
    private static final Field DELEGATE = find("delegate", Socket.class);
    /**
     * Where the bytes a client sends on a stream's connection go (it should send none): shared, as
     * nobody reads them.
     */
    static final byte[] DISCARD = new byte[256];

    private ConnectionSockets() {
    }

    /** False when this Helidon version hides its sockets differently (see the class comment). */
    static boolean available() {
        return READ_BUFFER != null && DELEGATE != null;
    }

    /** Swaps the connection's read buffer for a small one; call on the connection's own thread. */
    static void releaseReadBuffer(HelidonSocket socket) {
        if (READ_BUFFER == null || !(socket instanceof PlainSocket)) {
            return;
        }
        try {
            READ_BUFFER.set(socket, new byte[SMALL_BYTES]);
        } catch (IllegalAccessException | RuntimeException e) {
            LOG.log(Level.FINE, "cannot release a connection's read buffer", e);
        }
    }

    /** The {@link Socket} under Helidon's (an {@code SSLSocket} for TLS), or null. */
    static Socket socketOf(HelidonSocket socket) {
        if (DELEGATE == null || !(socket instanceof PlainSocket)) {
            return null;
        }
        try {
            return (Socket) DELEGATE.get(socket);
        } catch (IllegalAccessException | RuntimeException e) {
            return null;
        }
    }

    /**
     * What the client sends on the connection, to read until it closes its side (FIN), resets the
     * connection (RST), or someone closes the socket. A parked virtual thread in a socket read costs
     * little more than one parked anywhere else, and no write is needed to notice.
     */
    static InputStream inputOf(HelidonSocket helidon) throws IOException {
        Socket socket = socketOf(helidon);
        if (socket == null) {
            return new HelidonInput(helidon);
        }
        socket.setSoTimeout(0); // no timer per idle stream: the read waits for as long as the client stays
        return socket.getInputStream();
    }

    /** Blocks until the client has gone (see {@link #inputOf}); what it sends meanwhile is dropped. */
    static void awaitClose(HelidonSocket helidon) {
        try {
            InputStream in = inputOf(helidon);
            while (in.read(DISCARD, 0, DISCARD.length) >= 0) {
                // a client that sends on an event stream is ignored
            }
        } catch (IOException | RuntimeException e) {
            // reset, or closed by us: either way it is over
        }
    }

    /** Reads through Helidon's socket when its field could not be reached (read timeouts are retried). */
    private static final class HelidonInput extends InputStream {
        private final HelidonSocket helidon;

        HelidonInput(HelidonSocket helidon) {
            this.helidon = helidon;
        }

        @Override
        public int read() throws IOException {
            return read(new byte[1], 0, 1) < 0 ? -1 : 0;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            while (true) {
                try {
                    byte[] got = helidon.get();
                    return got == null ? -1 : Math.min(len, got.length);
                } catch (java.io.UncheckedIOException e) {
                    if (!(e.getCause() instanceof SocketTimeoutException)) {
                        throw e.getCause();
                    }
                }
            }
        }
    }

    /**
     * Cuts the connection off from any thread. {@code SO_LINGER 0} makes the close immediate (a
     * reset) and, for TLS, keeps the close from waiting for a write blocked on the same socket to
     * finish before it can send its close_notify.
     */
    static void abort(HelidonSocket helidon) {
        Socket socket = socketOf(helidon);
        try {
            if (socket != null) {
                socket.setSoLinger(true, 0);
                socket.close();
            } else {
                helidon.close();
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.FINE, "abort", e);
        }
    }

    /** Closes the connection after what was written (FIN; for TLS, close_notify first). */
    static void close(HelidonSocket helidon) {
        try {
            helidon.close();
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "close", e);
        }
    }

    private static Field find(String name, Class<?> type) {
        try {
            Field f = PlainSocket.class.getDeclaredField(name);
            if (f.getType() != type) {
                throw new NoSuchFieldException(name + " is not a " + type.getSimpleName());
            }
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.info("Helidon's PlainSocket has no " + name + " field (" + e + "): idle streams cost more or "
                    + "departures are noticed later");
            return null;
        }
    }
}
