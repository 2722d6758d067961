package io.ssebroadcaster.delivery;

import java.io.IOException;

/** Where a subscriber's bytes go: its connection, or one HTTP/2 stream of it. */
interface Outlet {

    /** Writes to the client; blocks while the client's socket buffer is full. */
    void write(byte[] bytes, int offset, int length) throws IOException;

    /** Pushes what was written to the client, where the outlet buffers. */
    default void flush() throws IOException {
    }

    /** Cuts the connection off from any thread, failing a {@link #write} blocked on a client that stopped reading. */
    void abort();

    /** Closes the connection once everything written has gone out (the client sees the stream end). */
    void close();
}
