package io.ssebroadcaster.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.LongAdder;

/**
 * One selector thread reading a share of the subscriber sockets. Per delivery it parses a few
 * dozen bytes, records one latency and updates two array slots: no allocation, no locks, one
 * {@link System#nanoTime()} per read.
 */
final class Loop extends Thread {

    private static final int SIZE = 0;
    private static final int EXT = 1;
    private static final int DATA = 2;
    private static final int DATA_END = 3;
    private static final int DONE = 4;

    private final Selector selector;
    private final ConcurrentLinkedQueue<Conn> toOpen = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final ByteBuffer buf = ByteBuffer.allocate(256 * 1024);
    private final InetSocketAddress[] targets; // one per subscribe URL
    private final InetAddress[] sources;
    private final byte[][][] requests; // the GET request, per target and channel
    private final Semaphore permits;
    private final Map<String, LongAdder> errors;
    private volatile boolean stop;
    private final long[] fields = new long[4]; // scratch for parsing one message header

    // results, owned by this thread (read by others only after join, or as rough progress)
    final Histogram latency = new Histogram();
    final long[] lastRecv;
    final int[] recvCount;
    volatile long opened;
    volatile long failed;
    volatile long uniqueSoFar;
    volatile long lastDeliveryNanos;
    long deliveries;
    long duplicates;
    long outOfOrder;
    long unparsed;
    long disconnects;
    long slowEvents;
    long slowClosed;
    long bytes;

    Loop(int id, InetSocketAddress[] targets, InetAddress[] sources, byte[][][] requests, Semaphore permits,
         Map<String, LongAdder> errors, int messageCapacity) throws IOException {
        super("bench-selector-" + id);
        setDaemon(true);
        this.selector = Selector.open();
        this.targets = targets;
        this.sources = sources;
        this.requests = requests;
        this.permits = permits;
        this.errors = errors;
        this.lastRecv = new long[messageCapacity];
        this.recvCount = new int[messageCapacity];
    }

    void open(Conn c) {
        toOpen.add(c);
        selector.wakeup();
    }

    void run(Runnable task) {
        tasks.add(task);
        selector.wakeup();
    }

    void shutdown() {
        stop = true;
        selector.wakeup();
    }

    @Override
    public void run() {
        try {
            while (!stop) {
                selector.select(100);
                Conn c;
                while ((c = toOpen.poll()) != null) {
                    connect(c);
                }
                Runnable t;
                while ((t = tasks.poll()) != null) {
                    t.run();
                }
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey key = it.next();
                    it.remove();
                    Conn conn = (Conn) key.attachment();
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key.isConnectable()) {
                        connected(conn);
                    } else if (key.isReadable()) {
                        read(conn);
                    }
                }
            }
        } catch (IOException e) {
            error("selector: " + e);
        } finally {
            for (SelectionKey key : selector.keys()) {
                try {
                    key.channel().close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
            try {
                selector.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private void error(String what) {
        errors.computeIfAbsent(what, k -> new LongAdder()).increment();
    }

    private void connect(Conn c) {
        try {
            SocketChannel ch = SocketChannel.open();
            c.ch = ch;
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            if (c.slow) {
                ch.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
            }
            ch.bind(new InetSocketAddress(sources[c.index % sources.length], 0));
            c.key = ch.register(selector, SelectionKey.OP_CONNECT, c);
            if (ch.connect(targets[c.target])) {
                connected(c);
            }
        } catch (IOException e) {
            fail(c, "connect: " + e.getMessage());
        }
    }

    private void connected(Conn c) {
        try {
            if (!c.ch.finishConnect()) {
                return;
            }
            ByteBuffer req = ByteBuffer.wrap(requests[c.target][c.channel]);
            c.ch.write(req);
            if (req.hasRemaining()) {
                fail(c, "request not written at once");
                return;
            }
            c.state = Conn.HEAD;
            c.key.interestOps(SelectionKey.OP_READ);
        } catch (IOException e) {
            fail(c, "connect: " + e.getMessage());
        }
    }

    private void fail(Conn c, String why) {
        error(why);
        close(c, why);
    }

    private void release(Conn c) {
        if (c.admitted) {
            c.admitted = false;
            permits.release();
        }
    }

    private void close(Conn c, String why) {
        if (c.state == Conn.CLOSED) {
            return;
        }
        if (c.state == Conn.BODY) {
            if (c.slow) {
                slowClosed++;
            } else {
                disconnects++;
                error("disconnected: " + why);
            }
        } else {
            failed++;
        }
        c.state = Conn.CLOSED;
        c.closedNanos = System.nanoTime();
        c.closeReason = why;
        release(c);
        if (c.key != null) {
            c.key.cancel();
        }
        try {
            if (c.ch != null) {
                c.ch.close();
            }
        } catch (IOException ignored) {
            // closed anyway
        }
        c.head = null;
    }

    private void read(Conn c) {
        int n;
        buf.clear();
        try {
            n = c.ch.read(buf);
        } catch (IOException e) {
            close(c, "read: " + e.getMessage());
            return;
        }
        if (n < 0) {
            close(c, "EOF");
            return;
        }
        if (n == 0) {
            return;
        }
        long now = System.nanoTime();
        bytes += n;
        byte[] b = buf.array();
        if (c.discard) {
            return;
        }
        int from = 0;
        if (c.state == Conn.HEAD) {
            from = head(c, b, n, now);
            if (from < 0) {
                return;
            }
        }
        if (c.state == Conn.BODY && from < n) {
            if (c.chunked) {
                dechunk(c, b, from, n, now);
            } else {
                sse(c, b, from, n, now);
            }
            if (c.slow && c.events > 0 && !c.stoppedReading && c.state == Conn.BODY) {
                c.stoppedReading = true;
                c.key.interestOps(0);
            }
        }
    }

    /** Collects the response head; returns where the body starts in {@code b}, or -1. */
    private int head(Conn c, byte[] b, int n, long now) {
        for (int i = 0; i < n; i++) {
            if (c.headLen == c.head.length) {
                if (c.head.length >= 16384) {
                    fail(c, "response head too long");
                    return -1;
                }
                c.head = java.util.Arrays.copyOf(c.head, c.head.length * 2);
            }
            c.head[c.headLen++] = b[i];
            int L = c.headLen;
            if (L >= 4 && c.head[L - 1] == '\n' && c.head[L - 2] == '\r' && c.head[L - 3] == '\n' && c.head[L - 4] == '\r') {
                String head = new String(c.head, 0, L, StandardCharsets.ISO_8859_1);
                c.head = null;
                int sp = head.indexOf(' ');
                try {
                    c.status = Integer.parseInt(head.substring(sp + 1, sp + 4));
                } catch (RuntimeException e) {
                    c.status = -1;
                }
                if (c.status != 200) {
                    fail(c, "subscribe status " + c.status);
                    return -1;
                }
                c.chunked = head.toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding: chunked");
                c.state = Conn.BODY;
                c.openedNanos = now;
                opened++;
                release(c);
                return i + 1;
            }
        }
        return -1;
    }

    private static int hex(byte c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private void dechunk(Conn c, byte[] b, int i, int end, long now) {
        while (i < end) {
            switch (c.cstate) {
                case SIZE -> {
                    byte x = b[i++];
                    int h = hex(x);
                    if (h >= 0) {
                        c.chunkLeft = c.chunkLeft * 16 + h;
                    } else if (x == ';') {
                        c.cstate = EXT;
                    } else if (x == '\n') {
                        if (!chunkStart(c)) {
                            return;
                        }
                    }
                }
                case EXT -> {
                    if (b[i++] == '\n' && !chunkStart(c)) {
                        return;
                    }
                }
                case DATA -> {
                    int k = (int) Math.min(c.chunkLeft, end - i);
                    sse(c, b, i, i + k, now);
                    i += k;
                    c.chunkLeft -= k;
                    if (c.chunkLeft == 0) {
                        c.cstate = DATA_END;
                    }
                }
                case DATA_END -> {
                    if (b[i++] == '\n') {
                        c.cstate = SIZE;
                        c.chunkLeft = 0;
                    }
                }
                default -> i = end; // after the last chunk: the server ends the stream
            }
        }
    }

    /** After a chunk-size line: false when it was the last chunk, which ends the stream. */
    private boolean chunkStart(Conn c) {
        if (c.chunkLeft > 0) {
            c.cstate = DATA;
            return true;
        }
        c.cstate = DONE;
        // The server finished the response but may keep the connection open for another
        // request: for a subscriber that is as much a disconnect as a closed socket.
        close(c, "stream ended by the server (last chunk)");
        return false;
    }

    private void sse(Conn c, byte[] b, int from, int to, long now) {
        byte[] line = c.line;
        int len = c.lineLen;
        for (int i = from; i < to; i++) {
            byte x = b[i];
            if (x == '\n') {
                if (len > 0) {
                    line(c, line, Math.min(len, Conn.LINE_MAX), now);
                }
                len = 0;
            } else {
                if (len < Conn.LINE_MAX) {
                    line[len] = x;
                }
                len++;
            }
        }
        c.lineLen = len;
    }

    private void line(Conn c, byte[] l, int n, long now) {
        if (n < 5 || l[0] != 'd' || l[1] != 'a' || l[2] != 't' || l[3] != 'a' || l[4] != ':') {
            return; // comments (": ok", ": ping"), id:, retry:, event:
        }
        int p = 5;
        if (p < n && l[p] == ' ') {
            p++;
        }
        c.events++;
        // B<pub>.<seq>.<msg>.<sentNanos>.
        if (p >= n || l[p] != 'B') {
            unparsed++;
            return;
        }
        p++;
        long[] v = fields;
        for (int f = 0; f < 4; f++) {
            long x = 0;
            int start = p;
            boolean neg = p < n && l[p] == '-';
            if (neg) {
                p++;
            }
            while (p < n && l[p] >= '0' && l[p] <= '9') {
                x = x * 10 + (l[p] - '0');
                p++;
            }
            if (p == start || p >= n || l[p] != '.') {
                unparsed++;
                return;
            }
            p++;
            v[f] = neg ? -x : x;
        }
        if (c.slow) {
            slowEvents++;
            return;
        }
        int pub = (int) v[0];
        long seq = v[1];
        int msg = (int) v[2];
        latency.record(now - v[3]);
        if (msg >= 0 && msg < lastRecv.length) {
            if (now > lastRecv[msg]) {
                lastRecv[msg] = now;
            }
            recvCount[msg]++;
        }
        deliveries++;
        switch (c.track(pub, seq)) {
            case Conn.DUPLICATE -> duplicates++;
            case Conn.LATE -> {
                outOfOrder++;
                uniqueSoFar++;
            }
            default -> uniqueSoFar++;
        }
        lastDeliveryNanos = now;
    }

    /** Makes the slow subscribers read again, dropping the bytes, so we see whether the server closed them. */
    void drainSlow(Iterable<Conn> conns) {
        run(() -> {
            for (Conn c : conns) {
                if (c.slow && c.state == Conn.BODY && c.key != null && c.key.isValid()) {
                    c.discard = true;
                    c.key.interestOps(SelectionKey.OP_READ);
                }
            }
        });
    }
}
