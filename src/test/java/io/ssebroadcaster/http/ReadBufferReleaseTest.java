package io.ssebroadcaster.http;

import io.helidon.common.socket.PlainSocket;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Idle streams give back Helidon's read buffer, and the connection still reads correctly after. */
class ReadBufferReleaseTest {

    @Test
    void thisHelidonHasTheBufferWeRelease() {
        assertTrue(ReadBufferRelease.available(), "PlainSocket.readBuffer not found: idle streams cost 8 KiB more");
    }

    @Test
    void aReleasedSocketStillReadsEverythingInSmallSteps() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(listener.getInetAddress(), listener.getLocalPort());
             Socket accepted = listener.accept()) {
            PlainSocket socket = PlainSocket.server(accepted, "test", "test");
            ReadBufferRelease.release(socket);
            byte[] sent = new byte[1000];
            for (int i = 0; i < sent.length; i++) {
                sent[i] = (byte) i;
            }
            client.getOutputStream().write(sent);
            client.getOutputStream().flush();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            int largestRead = 0;
            while (got.size() < sent.length) {
                byte[] piece = socket.get();
                largestRead = Math.max(largestRead, piece.length);
                got.writeBytes(piece);
            }
            assertArrayEquals(sent, got.toByteArray());
            assertTrue(largestRead <= 64, "reads go through the small buffer, largest was " + largestRead);
        }
    }
}
