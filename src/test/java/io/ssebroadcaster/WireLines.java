package io.ssebroadcaster;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.Charset;

/** Raw-socket helpers the wire-level tests share: reading one line, ending a connection with a reset. */
public final class WireLines {

    private WireLines() {
    }

    /**
     * One line without its CR LF (or LF), read byte by byte so nothing after it is consumed.
     *
     * @param eofIsNull return null for an EOF before the first byte instead of failing (an EOF inside a
     *                  line always fails)
     */
    public static String read(InputStream in, Charset charset, boolean eofIsNull) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(80);
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (eofIsNull && line.size() == 0) {
                    return null;
                }
                throw new EOFException("connection closed mid-line: " + line.toString(charset));
            }
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, len, charset);
            }
            line.write(b);
            if (line.size() > 64 * 1024) {
                throw new IOException("line too long");
            }
        }
    }

    /** Closes with a reset (SO_LINGER 0, no FIN): the abrupt end of a client that vanished. */
    public static void reset(Socket socket) {
        try {
            socket.setSoLinger(true, 0);
        } catch (IOException e) {
            // closing below anyway
        }
        try {
            socket.close();
        } catch (IOException e) {
            // nothing left to do
        }
    }
}
