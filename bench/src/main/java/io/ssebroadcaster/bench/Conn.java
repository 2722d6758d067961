package io.ssebroadcaster.bench;

import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Arrays;

/**
 * One subscriber connection: its socket, the parser state for the HTTP head, chunked framing and
 * SSE lines, and the per-publisher sequence tracking. Touched only by its {@link Loop} thread.
 */
final class Conn {

    static final int CONNECTING = 0;
    static final int HEAD = 1;
    static final int BODY = 2;
    static final int CLOSED = 3;

    /** Only the start of a line is kept: enough for "data: " and the message header. */
    static final int LINE_MAX = 80;
    /** Missing sequence numbers remembered per connection to tell late arrivals from duplicates. */
    private static final int MISSING_MAX = 4096;

    final int index;
    final int channel;
    final int target; // which of the subscribe URLs (--sub-url can list several servers)
    final boolean slow;

    SocketChannel ch;
    SelectionKey key;
    int state = CONNECTING;
    boolean admitted; // holds a connect permit until open or failed
    int status;
    long openedNanos;
    long closedNanos;
    String closeReason;

    // HTTP head
    byte[] head = new byte[1024];
    int headLen;
    // chunked framing
    boolean chunked;
    int cstate;
    long chunkLeft;
    // SSE lines
    final byte[] line = new byte[LINE_MAX];
    int lineLen;
    boolean discard; // slow subscriber being drained at the end: bytes are dropped unparsed

    // delivery tracking
    long[] lastSeq = new long[1];
    private long[] missing; // (publisher << 48) | seq, unsorted
    private int missingCount;
    boolean missingOverflow;
    long unique;
    long duplicates;
    long outOfOrder;
    long events;
    boolean stoppedReading;

    Conn(int index, int channel, int target, boolean slow) {
        this.index = index;
        this.channel = channel;
        this.target = target;
        this.slow = slow;
    }

    static final int NEW = 0;
    static final int LATE = 1;
    static final int DUPLICATE = 2;

    /** Notes message {@code seq} of publisher {@code pub}; tells whether it was new, late or a duplicate. */
    int track(int pub, long seq) {
        if (pub >= lastSeq.length) {
            lastSeq = Arrays.copyOf(lastSeq, pub + 1);
        }
        long last = lastSeq[pub];
        if (seq == last + 1) {
            lastSeq[pub] = seq;
            unique++;
            return NEW;
        }
        if (seq > last + 1) {
            for (long s = last + 1; s < seq; s++) {
                if (!remember(pub, s)) {
                    break;
                }
            }
            lastSeq[pub] = seq;
            unique++;
            return NEW;
        }
        if (forget(pub, seq)) {
            unique++;
            outOfOrder++;
            return LATE;
        }
        duplicates++;
        return DUPLICATE;
    }

    private boolean remember(int pub, long seq) {
        if (missing == null) {
            missing = new long[16];
        }
        if (missingCount == missing.length) {
            if (missing.length >= MISSING_MAX) {
                missingOverflow = true;
                return false;
            }
            missing = Arrays.copyOf(missing, missing.length * 2);
        }
        missing[missingCount++] = ((long) pub << 48) | seq;
        return true;
    }

    private boolean forget(int pub, long seq) {
        long want = ((long) pub << 48) | seq;
        for (int i = 0; i < missingCount; i++) {
            if (missing[i] == want) {
                missing[i] = missing[--missingCount];
                return true;
            }
        }
        return false;
    }
}
