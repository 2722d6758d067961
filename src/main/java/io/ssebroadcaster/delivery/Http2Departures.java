package io.ssebroadcaster.delivery;

import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http.ServerResponse;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.Socket;
import java.util.function.BooleanSupplier;
import java.util.logging.Logger;

/**
 * Tells whether the client of an HTTP/2 stream has gone: it reset the stream (RST_STREAM), or the
 * whole connection ended (GOAWAY, FIN, RST). Helidon's connection reader sees those frames, but
 * tells no handler; its stream state and socket show them, so the stream's thread looks every
 * {@link #PROBE_MILLIS} ms while it waits for events.
 *
 * <p>Why reflection: Helidon 4.3 keeps the stream and its connection private in the response. If a
 * later Helidon moves them, a departed HTTP/2 client is noticed at the next write (heartbeat) instead,
 * and {@code ConnectionSocketsTest} fails on that upgrade.
 */
final class Http2Departures {

    /** How often a waiting HTTP/2 stream or poll looks. */
    static final long PROBE_MILLIS = 250;

    private static final Logger LOG = Logger.getLogger(Http2Departures.class.getName());
    private static final String RESPONSE_CLASS = "io.helidon.webserver.http2.Http2ServerResponse";
    private static final Field STREAM = field("stream");
    private static final Field CONTEXT = field("ctx");
    private static final Method STATE = stateMethod();

    private Http2Departures() {
    }

    static boolean available() {
        return STREAM != null && CONTEXT != null && STATE != null;
    }

    /** A check for {@code res}'s client having gone; never true for responses it cannot inspect. */
    static BooleanSupplier of(ServerResponse res) {
        if (!available() || !res.getClass().getName().equals(RESPONSE_CLASS)) {
            return () -> false;
        }
        try {
            Object stream = STREAM.get(res);
            Socket socket = ConnectionSockets.socketOf(((ConnectionContext) CONTEXT.get(res)).serverSocket());
            return () -> (socket != null && socket.isClosed()) || isClosed(stream);
        } catch (IllegalAccessException | RuntimeException e) {
            return () -> false;
        }
    }

    private static boolean isClosed(Object stream) {
        try {
            return "CLOSED".equals(String.valueOf(STATE.invoke(stream)));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }

    private static Field field(String name) {
        try {
            Field f = Class.forName(RESPONSE_CLASS).getDeclaredField(name);
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.info("HTTP/2 departures are noticed at the next write: " + e);
            return null;
        }
    }

    private static Method stateMethod() {
        try {
            Method m = Class.forName("io.helidon.webserver.http2.Http2ServerStream").getDeclaredMethod("streamState");
            m.setAccessible(true);
            return m;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.info("HTTP/2 departures are noticed at the next write: " + e);
            return null;
        }
    }
}
