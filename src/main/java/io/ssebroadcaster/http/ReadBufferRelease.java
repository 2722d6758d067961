package io.ssebroadcaster.http;

import io.helidon.common.socket.HelidonSocket;
import io.helidon.common.socket.PlainSocket;

import java.lang.reflect.Field;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Gives back the 8 KiB read buffer Helidon keeps for each plain connection, once that connection
 * carries an event stream.
 *
 * <p>Why: an event stream never reads another request from its socket, yet Helidon's
 * {@code PlainSocket} holds a fixed 8 KiB array for reads for as long as the connection lives: a
 * third of what an idle stream costs. Helidon 4.3 offers no setting for it, so the array is
 * swapped for a small one through reflection. Reads still work with the small array (only in
 * smaller steps), so nothing breaks if Helidon reads from the socket again, e.g. to notice the
 * close. If a later Helidon renames the field, this does nothing and says so once.
 */
final class ReadBufferRelease {

    private static final Logger LOG = Logger.getLogger(ReadBufferRelease.class.getName());
    private static final int SMALL_BYTES = 64;
    private static final Field READ_BUFFER = find();

    private ReadBufferRelease() {
    }

    /** False when this Helidon version has no such buffer to release (then idle streams cost 8 KiB more). */
    static boolean available() {
        return READ_BUFFER != null;
    }

    /** Swaps the socket's read buffer for a small one; call on the connection's own thread. */
    static void release(HelidonSocket socket) {
        if (READ_BUFFER == null || socket.getClass() != PlainSocket.class) {
            return; // TLS sockets need their buffer for record decryption
        }
        try {
            READ_BUFFER.set(socket, new byte[SMALL_BYTES]);
        } catch (IllegalAccessException | RuntimeException e) {
            LOG.log(Level.FINE, "cannot release a connection's read buffer", e);
        }
    }

    private static Field find() {
        try {
            Field f = PlainSocket.class.getDeclaredField("readBuffer");
            if (f.getType() != byte[].class) {
                throw new NoSuchFieldException("readBuffer is not a byte[]");
            }
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.info("idle event streams keep Helidon's 8 KiB read buffer (" + e + ")");
            return null;
        }
    }
}
