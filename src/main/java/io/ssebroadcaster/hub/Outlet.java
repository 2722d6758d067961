package io.ssebroadcaster.hub;

import java.io.IOException;

/**
 * Where a pushed subscription's bytes go: the client's connection, handed to the hub once the
 * transport has written the response head and the replay (see {@link Subscription#attach}).
 */
public interface Outlet {

    /** Writes to the client; blocks while the client's socket buffer is full. */
    void write(byte[] bytes, int offset, int length) throws IOException;

    /** Closes the connection from any thread, failing a {@link #write} blocked on a client that stopped reading. */
    void abort();
}
