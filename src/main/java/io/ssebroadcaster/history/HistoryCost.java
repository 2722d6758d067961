package io.ssebroadcaster.history;

import io.ssebroadcaster.hub.Event;

import java.util.List;

/**
 * What keeping events costs in heap, so that {@code --history-max-bytes} bounds the memory history
 * really takes rather than only the wire bytes. Counting the wire bytes alone undercounted about 17
 * times for empty messages to many long channel names: the names, the records, the deques and the map
 * entries around a short message outweigh it many times over.
 *
 * <p>The sizes are those of a 64-bit HotSpot JVM with compressed references and class pointers
 * (any heap under 32 GiB): 12-byte object headers, 4-byte references, every object rounded up to 8
 * bytes. Measured with {@code jcmd <pid> GC.class_histogram} (bytes per class divided by instances)
 * on JDK 25 holding a history of 100,000 empty messages to distinct 255-character channels: String
 * 24, ArrayDeque 24, HashMap$Node 32, List12 24, Event 32, EventId 40, the log 40, the holder 32. The
 * whole was 68.6 MB of live heap where this class counted 75.6 MB (the wire bytes alone: 2.9 MB); for
 * 3,000 such messages to 64 channels each, 93.2 MB live and 103.6 MB counted (wire bytes: 5.6 MB, the
 * 17× of issue 12). {@code HistoryHeapTest} checks it as a whole. With compact object headers
 * ({@code -XX:+UseCompactObjectHeaders}) objects are smaller, so the count errs on the safe side.
 */
final class HistoryCost {

    /** {@code java.lang.String} without its array: header, value, hash, coder, hashIsZero. */
    static final int STRING = 24;
    /** An array's header and length. */
    static final int ARRAY_HEADER = 16;
    /** {@code hub.Event}: header and five references. */
    static final int EVENT = 32;
    /** {@code hub.EventId}: header and three longs. */
    static final int EVENT_ID = 40;
    /** An immutable list of one or two ({@code List12}), or of more ({@code ListN}, plus its array). */
    static final int LIST = 24;
    /** {@link MemoryHistory}'s per-event holder: header, a reference, the cost and the count. */
    static final int HOLDER = 32;
    /**
     * The event's slot in the age queue: a 4-byte reference, doubled for the queue's spare capacity
     * and doubled again for dead slots it keeps until they are a majority.
     */
    static final int AGE_SLOT = 16;
    /** A channel's log object (header, four references, an int, a boolean) and its two {@code ArrayDeque}s, without their arrays. */
    static final int LOG = 40 + 2 * 24;
    /**
     * The log's {@code HashMap.Node} (32) plus its share of the table: one 4-byte slot per
     * 0.375–0.75 entries (the table doubles at 0.75 full and never shrinks).
     */
    static final int MAP_ENTRY = 32 + 12;
    /** The name's {@code TreeMap.Entry} in the sorted set pattern replays read (header, five references, a boolean). */
    static final int NAME_ENTRY = 40;

    private HistoryCost() {
    }

    /**
     * Heap one event takes while any channel keeps it, counted once however many channels keep it:
     * the record, its id, the encoded bytes, the data and type strings, and its channel list with
     * the names (each publish carries its own copies of the names).
     */
    static long event(Event e) {
        long cost = EVENT + EVENT_ID + array(e.bytes().length) + string(e.data()) + HOLDER + AGE_SLOT;
        if (e.type() != null) {
            cost += string(e.type());
        }
        List<String> channels = e.channels();
        cost += LIST + (channels.size() > 2 ? array(4L * channels.size()) : 0);
        for (String channel : channels) {
            cost += string(channel);
        }
        return cost;
    }

    /**
     * Heap a channel's log takes besides its events: the log, its map entry, its entry in the sorted
     * names, its floor id, and the
     * arrays of its two deques, which grow by up to 2× and never shrink by themselves, so they are
     * counted for twice the most events the log has held (see {@link MemoryHistory}, which rebuilds
     * them when the log shrinks to a quarter). Its name is counted by {@link #string}, separately:
     * while the event that created the log is kept, the name is that event's copy.
     */
    static long log(int peakEvents) {
        return LOG + MAP_ENTRY + NAME_ENTRY + EVENT_ID + 2 * array(4L * (2L * peakEvents + 2));
    }

    /** A string's heap: Latin-1 strings take a byte per character, others two. */
    static long string(String s) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            if (s.charAt(i) > 0xFF) {
                return STRING + array(2L * n);
            }
        }
        return STRING + array(n);
    }

    /** A byte array (or the payload bytes of any array) with its header, rounded up to 8 bytes. */
    static long array(long payloadBytes) {
        return (ARRAY_HEADER + payloadBytes + 7) & ~7L;
    }
}
