package io.ssebroadcaster.hardening;

import io.ssebroadcaster.WireLines;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, for what {@code java.net.http} refuses to send (invalid bytes,
 * broken request lines and framing) and for seeing exactly how a stream ends (the chunked
 * terminator, a plain EOF or a reset).
 */
final class RawHttp implements AutoCloseable {

    /** Responses larger than this are cut (the tests never need more). */
    static final int MAX_BODY = 4 << 20;

    /**
     * One response. {@code body} is null for a streamed {@code text/event-stream} response, which is
     * left unread on the socket for the caller ({@link #input()}).
     */
    record Response(int status, String statusLine, Map<String, List<String>> headers, byte[] body) {

        String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null ? null : values.get(0);
        }

        boolean isJson() {
            String ct = header("content-type");
            return ct != null && ct.toLowerCase(Locale.ROOT).startsWith("application/json");
        }

        boolean closesConnection() {
            return "close".equalsIgnoreCase(header("connection"));
        }

        String bodyText() {
            return body == null ? "<stream>" : new String(body, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            String text = bodyText();
            return statusLine + " " + headers + " " + (text.length() > 300 ? text.substring(0, 300) + "..." : text);
        }
    }

    private final Socket socket;
    private final BufferedInputStream in;
    private final OutputStream out;

    private RawHttp(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
        this.out = socket.getOutputStream();
    }

    static RawHttp open(int port, int readTimeoutMillis) throws IOException {
        return open(port, readTimeoutMillis, 0);
    }

    /** @param receiveBuffer the socket's receive buffer in bytes (small: the server's writes block sooner), 0 for the default */
    static RawHttp open(int port, int readTimeoutMillis, int receiveBuffer) throws IOException {
        Socket s = new Socket();
        try {
            if (receiveBuffer > 0) {
                s.setReceiveBufferSize(receiveBuffer);
            }
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
            s.setSoTimeout(readTimeoutMillis);
            s.setTcpNoDelay(true);
            return new RawHttp(s);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Half-closes: the server reads EOF (so it never waits for more), we can still read its answer. */
    void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    void readTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    InputStream input() {
        return in;
    }

    /**
     * Reads the next final response, skipping {@code 1xx} ones.
     *
     * @param headRequest the request was HEAD (no body follows)
     * @return null when the server closed the connection before sending a byte
     */
    Response read(boolean headRequest) throws IOException {
        while (true) {
            String statusLine = readLine(in, true);
            if (statusLine == null) {
                return null;
            }
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
                throw new IOException("not an HTTP status line: " + statusLine);
            }
            int status = Integer.parseInt(parts[1]);
            Map<String, List<String>> headers = new LinkedHashMap<>();
            String line;
            while (!(line = readLine(in, false)).isEmpty()) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    headers.computeIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                            .add(line.substring(colon + 1).trim());
                }
            }
            if (status < 200) {
                continue;
            }
            Response head = new Response(status, statusLine, headers, null);
            String te = head.header("transfer-encoding");
            String ct = head.header("content-type");
            byte[] body;
            if (headRequest || status == 204 || status == 304) {
                body = new byte[0];
            } else if (ct != null && ct.startsWith("text/event-stream") && head.header("content-length") == null) {
                return head; // a stream, chunked or ended by closing: the caller reads it (or drops the connection)
            } else if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
                body = readChunked();
            } else if (head.header("content-length") != null) {
                long n = Long.parseLong(head.header("content-length"));
                if (n > MAX_BODY) {
                    throw new IOException("response too large: " + n);
                }
                body = in.readNBytes((int) n);
                if (body.length < n) {
                    throw new EOFException("response body cut at " + body.length + " of " + n + " bytes");
                }
            } else {
                body = in.readNBytes(MAX_BODY);
            }
            return new Response(status, statusLine, headers, body);
        }
    }

    private byte[] readChunked() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String size = readLine(in, false);
            int semi = size.indexOf(';');
            int n = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
            if (n == 0) {
                while (!readLine(in, false).isEmpty()) {
                    // trailers
                }
                return body.toByteArray();
            }
            byte[] chunk = in.readNBytes(n);
            if (chunk.length < n) {
                throw new EOFException("chunk cut");
            }
            body.writeBytes(chunk);
            if (body.size() > MAX_BODY) {
                throw new IOException("response too large");
            }
            readLine(in, false);
        }
    }

    /** One line without its CR LF (or LF); see {@link WireLines#read}. */
    static String readLine(InputStream in, boolean eofIsNull) throws IOException {
        return WireLines.read(in, StandardCharsets.ISO_8859_1, eofIsNull);
    }

    /** Drops the connection with a reset (no FIN): the abrupt end of a client that vanished. */
    void abort() {
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
}
