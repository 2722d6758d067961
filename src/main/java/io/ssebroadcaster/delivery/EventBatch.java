package io.ssebroadcaster.delivery;

import io.ssebroadcaster.hub.Event;

import java.io.IOException;
import java.util.List;

/**
 * Writes a batch of queued events, the one place where they are coalesced: a single event goes
 * out as the shared array itself; several small ones are copied together into one write (one
 * system call, one TCP segment where they fit); big ones go alone.
 */
final class EventBatch {

    /** Above this, queued events are written one by one rather than copied into one array. */
    static final int COALESCE_LIMIT = 64 * 1024;

    private EventBatch() {
    }

    /**
     * @param scratch a buffer of {@link #COALESCE_LIMIT} bytes owned by the calling thread, or null to
     *                allocate one sized to the batch
     */
    static void write(Outlet out, List<Event> batch, byte[] scratch) throws IOException {
        if (batch.isEmpty()) {
            return;
        }
        if (batch.size() == 1) {
            byte[] bytes = batch.getFirst().bytes();
            out.write(bytes, 0, bytes.length);
            return;
        }
        byte[] buffer = scratch != null ? scratch : new byte[Math.min(COALESCE_LIMIT, total(batch))];
        int at = 0;
        for (Event e : batch) {
            byte[] bytes = e.bytes();
            if (at > 0 && at + bytes.length > buffer.length) {
                out.write(buffer, 0, at);
                at = 0;
            }
            if (bytes.length > buffer.length) {
                out.write(bytes, 0, bytes.length);
            } else {
                System.arraycopy(bytes, 0, buffer, at, bytes.length);
                at += bytes.length;
            }
        }
        if (at > 0) {
            out.write(buffer, 0, at);
        }
    }

    private static int total(List<Event> batch) {
        int size = 0;
        for (Event e : batch) {
            size += e.bytes().length;
        }
        return size;
    }
}
