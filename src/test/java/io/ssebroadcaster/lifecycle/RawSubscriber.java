package io.ssebroadcaster.lifecycle;

import io.ssebroadcaster.WireLines;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A subscriber speaking HTTP/1.1 over a socket it owns (plain or TLS), for ending its connection
 * exactly as a test needs: a FIN, a reset, or never reading at all.
 */
final class RawSubscriber implements AutoCloseable {

    /** How many loopback source addresses the clients are spread over (127.0.0.2 and up). */
    static final int SOURCE_ADDRESSES = 32;
    private static final AtomicInteger NEXT_SOURCE = new AtomicInteger();

    /** A response head. */
    record Head(int status, Map<String, String> headers) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        boolean isEventStream() {
            String ct = header("content-type");
            return status == 200 && ct != null && ct.toLowerCase(Locale.ROOT).startsWith("text/event-stream");
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RawSubscriber(Socket connected) throws IOException {
        this.socket = connected;
        this.in = new BufferedInputStream(connected.getInputStream(), 2048);
        this.out = connected.getOutputStream();
    }

    /**
     * A plain connection to the server on 127.0.0.1, from the next of the loopback source addresses
     * (bound before connecting, so thousands of clients do not run out of ephemeral ports).
     *
     * @param receiveBuffer the socket's receive buffer, set before connecting; 0 for the default
     */
    static RawSubscriber connect(int port, int receiveBuffer, int readTimeoutMillis) throws IOException {
        Socket s = new Socket();
        try {
            if (receiveBuffer > 0) {
                s.setReceiveBufferSize(receiveBuffer);
            }
            int source = 2 + Math.floorMod(NEXT_SOURCE.getAndIncrement(), SOURCE_ADDRESSES);
            s.bind(new InetSocketAddress("127.0.0." + source, 0));
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(readTimeoutMillis);
            s.setTcpNoDelay(true);
            return new RawSubscriber(s);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    /** Sends {@code GET pathAndQuery}, as an EventSource would (Accept: text/event-stream). */
    RawSubscriber get(String pathAndQuery) throws IOException {
        out.write(("GET " + pathAndQuery + " HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n"
                + "Cache-Control: no-cache\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return this;
    }

    /** The status line and headers. */
    Head readHead() throws IOException {
        String status = readLine();
        if (status == null) {
            throw new IOException("connection closed before a response");
        }
        String[] parts = status.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP/1 status line: " + status);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        String line;
        while ((line = readLine()) != null && !line.isEmpty()) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.putIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        line.substring(colon + 1).trim());
            }
        }
        if (line == null) {
            throw new IOException("connection closed in the response head");
        }
        return new Head(Integer.parseInt(parts[1]), headers);
    }

    /**
     * Reads the stream's opening up to and including the bare {@code id:} block the server starts a
     * stream with when it has nothing to replay (README, Subscribe), then anything else already
     * received: nothing is left unread, so closing the socket sends a FIN, not a reset.
     */
    void readOpening() throws IOException {
        StringBuilder seen = new StringBuilder();
        boolean sawId = false;
        boolean refused = false;
        String line;
        while ((line = readLine()) != null) {
            if (seen.length() < 300) {
                seen.append(line).append("\\n");
            }
            if (line.startsWith(": refused")) {
                refused = true; // a refusal an EventSource survives: "retry:" follows, then the answer ends
            } else if (refused && line.startsWith("retry:")) {
                throw new Refused(Long.parseLong(line.substring("retry:".length()).trim()), seen.toString());
            } else if (line.startsWith("id:")) {
                sawId = true;
            } else if (line.isEmpty() && sawId) {
                break;
            }
        }
        if (line == null) {
            throw new IOException("stream ended in its opening: " + seen);
        }
        in.skipNBytes(in.available());
    }

    /**
     * Reads events until one with {@code data: expected}.
     *
     * @return what ended the wait: null when the event came, else what arrived instead before the end
     */
    String awaitData(String expected) throws IOException {
        StringBuilder seen = new StringBuilder();
        String line;
        while ((line = readLine()) != null) {
            if (line.equals("data: " + expected) || line.equals("data:" + expected)) {
                return null;
            }
            if (seen.length() < 300) {
                seen.append(line).append("\\n");
            }
        }
        return "end of stream after: " + seen;
    }

    /** One line without its LF (or CR LF); null at the end of the stream. */
    String readLine() throws IOException {
        return WireLines.read(in, StandardCharsets.UTF_8, true);
    }

    /** Ends the connection with a reset (SO_LINGER 0) instead of a FIN. */
    void reset() {
        WireLines.reset(socket);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // nothing left to do
        }
    }

    /** The server refused the stream the way an EventSource survives: come back after {@code retryMillis}. */
    static final class Refused extends IOException {
        final long retryMillis;

        Refused(long retryMillis, String seen) {
            super("refused, retry in " + retryMillis + " ms: " + seen);
            this.retryMillis = retryMillis;
        }
    }
}
