package io.ssebroadcaster.hardening;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads an SSE stream from its HTTP body (chunked, or ended by closing the connection, as plain
 * HTTP/1 streams are), byte for byte as it arrives, and says how it ended.
 */
final class SseWire {

    /** How a stream ended. */
    enum End {
        /** The zero-length chunk: the server finished the response. */
        TERMINATOR,
        /** The connection closed: the end of a close-delimited stream, or a chunked one cut short. */
        EOF,
        /** A read failed (reset) or the framing was broken. */
        ERROR,
        /** Nothing arrived for the socket's read timeout. */
        TIMEOUT,
        /** The listener asked to stop reading. */
        STOPPED
    }

    interface Listener {
        /** @return false to stop reading */
        boolean event(String id, String event, String data);

        /** @return false to stop reading */
        default boolean comment(String text) {
            return true;
        }

        /**
         * An {@code id:} without data: per the SSE spec it sets the last event id without firing an
         * event (the server sends one when a new stream has nothing to replay).
         *
         * @return false to stop reading
         */
        default boolean position(String id) {
            return true;
        }
    }

    private SseWire() {
    }

    /** Reads the body that follows {@code head} until the stream ends or the listener stops it; never throws. */
    static End read(RawHttp.Response head, InputStream in, Listener listener) {
        String te = head.header("transfer-encoding");
        return te != null && te.toLowerCase(java.util.Locale.ROOT).contains("chunked")
                ? readChunked(in, listener)
                : readDecoded(in, listener);
    }

    /** Reads chunks until the stream ends or the listener stops it; never throws. */
    static End readChunked(InputStream in, Listener listener) {
        Parser parser = new Parser(listener);
        byte[] buf = new byte[8192];
        try {
            while (true) {
                String sizeLine = RawHttp.readLine(in, true);
                if (sizeLine == null) {
                    return End.EOF;
                }
                int semi = sizeLine.indexOf(';');
                int size = Integer.parseInt((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
                if (size == 0) {
                    String trailer;
                    do {
                        trailer = RawHttp.readLine(in, true);
                    } while (trailer != null && !trailer.isEmpty());
                    return End.TERMINATOR;
                }
                int left = size;
                while (left > 0) {
                    int n = in.read(buf, 0, Math.min(buf.length, left));
                    if (n < 0) {
                        return End.EOF;
                    }
                    left -= n;
                    if (!parser.feed(buf, n)) {
                        return End.STOPPED;
                    }
                }
                String crlf = RawHttp.readLine(in, true);
                if (crlf == null) {
                    return End.EOF;
                }
                if (!crlf.isEmpty()) {
                    return End.ERROR;
                }
            }
        } catch (SocketTimeoutException e) {
            return End.TIMEOUT;
        } catch (java.io.EOFException e) {
            return End.EOF;
        } catch (IOException | NumberFormatException e) {
            return End.ERROR;
        }
    }

    /**
     * Reads an already de-chunked body (as {@code java.net.http} hands it over) until EOF or the
     * listener stops it; never throws.
     */
    static End readDecoded(InputStream in, Listener listener) {
        Parser parser = new Parser(listener);
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                if (!parser.feed(buf, n)) {
                    return End.STOPPED;
                }
            }
            return End.EOF;
        } catch (SocketTimeoutException e) {
            return End.TIMEOUT;
        } catch (IOException e) {
            return End.ERROR;
        }
    }

    /** The event-stream line format, fed bytes as they come. */
    private static final class Parser {
        private final Listener listener;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        private String id;
        private String event;
        private final List<String> data = new ArrayList<>();

        Parser(Listener listener) {
            this.listener = listener;
        }

        boolean feed(byte[] buf, int n) {
            for (int i = 0; i < n; i++) {
                byte b = buf[i];
                if (b == '\n') {
                    String text = line.toString(StandardCharsets.UTF_8);
                    line.reset();
                    if (text.endsWith("\r")) {
                        text = text.substring(0, text.length() - 1);
                    }
                    if (!line(text)) {
                        return false;
                    }
                } else {
                    line.write(b);
                }
            }
            return true;
        }

        private boolean line(String text) {
            if (text.isEmpty()) {
                boolean go = true;
                if (!data.isEmpty()) {
                    go = listener.event(id, event, String.join("\n", data));
                } else if (id != null) {
                    go = listener.position(id);
                }
                id = null;
                event = null;
                data.clear();
                return go;
            }
            if (text.startsWith(":")) {
                return listener.comment(text.substring(1).trim());
            }
            io.ssebroadcaster.SseLine field = io.ssebroadcaster.SseLine.parse(text);
            switch (field.field()) {
                case "id" -> id = field.value();
                case "event" -> event = field.value();
                case "data" -> data.add(field.value());
                default -> { }
            }
            return true;
        }
    }
}
