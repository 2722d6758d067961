package io.ssebroadcaster.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * One keep-alive publisher connection on its own thread. Messages are numbered globally (the
 * index into {@link Messages}) and per (publisher, channel), so subscribers can check order and
 * completeness; a sequence number is used up only by an accepted publish. With {@code batch} above 1
 * (JSON only: SSE Broadcaster's batch publish) each request carries that many messages as a JSON array,
 * each to its own random channel and with its own numbers and send time, so the subscribers' checks
 * are the same. A refused batch counts all its messages rejected (one refused part way, which a
 * benchmark should never see, would then show as duplicates: its published part is sent again).
 */
final class Publisher extends Thread {

    /** What every publisher shares: the schedule and the per-message send times. */
    static final class Messages {
        final long[] sentNanos;
        final int[] channelOf; // -1 until accepted
        final AtomicInteger next = new AtomicInteger();
        final int capacity;
        final double rate;
        volatile long startNanos;
        volatile long endNanos;
        volatile boolean stop;

        Messages(int capacity, double rate) {
            this.capacity = capacity;
            this.rate = rate;
            this.sentNanos = new long[capacity];
            this.channelOf = new int[capacity];
            java.util.Arrays.fill(channelOf, -1);
        }
    }

    private final int id;
    private final Endpoint endpoint;
    private final String format;
    private final String[] channels;
    private final Messages messages;
    private final String padding;
    private final Map<String, LongAdder> errors;
    private final int batch;
    final long[] seqs; // accepted messages per channel
    final Histogram roundTrip = new Histogram();
    final Histogram lateness = new Histogram();
    long accepted;
    long rejected;
    final Map<Integer, Long> statuses = new ConcurrentHashMap<>();

    private Socket socket;
    private InputStream in;
    private OutputStream out;

    Publisher(int id, Endpoint endpoint, String format, String[] channels, Messages messages, int paddingBytes,
              Map<String, LongAdder> errors, int batch) {
        super("bench-publisher-" + id);
        setDaemon(true);
        this.id = id;
        this.endpoint = endpoint;
        this.format = format;
        this.channels = channels;
        this.messages = messages;
        this.padding = "x".repeat(paddingBytes);
        this.errors = errors;
        this.batch = batch;
        this.seqs = new long[channels.length];
    }

    @Override
    public void run() {
        java.util.Random random = new java.util.Random(id * 7919L + 17);
        try {
            while (true) {
                int idx = messages.next.getAndAdd(batch);
                if (idx >= messages.capacity || messages.stop) {
                    return;
                }
                long now = System.nanoTime();
                if (messages.rate > 0) {
                    long due = messages.startNanos + (long) (idx * 1e9 / messages.rate);
                    if (due >= messages.endNanos || now >= messages.endNanos) {
                        return; // the schedule is over, or we are so far behind that time ran out
                    }
                    while ((now = System.nanoTime()) < due) {
                        LockSupport.parkNanos(due - now);
                    }
                    lateness.record(now - due);
                } else if (now >= messages.endNanos) {
                    return;
                }
                if (batch > 1) {
                    int[] chs = new int[Math.min(batch, messages.capacity - idx)];
                    for (int k = 0; k < chs.length; k++) {
                        chs[k] = channels.length == 1 ? 0 : random.nextInt(channels.length);
                    }
                    publishBatch(idx, chs);
                    continue;
                }
                int ch = channels.length == 1 ? 0 : random.nextInt(channels.length);
                publish(idx, ch);
            }
        } finally {
            closeQuietly();
        }
    }

    private void publish(int idx, int ch) {
        long seq = seqs[ch] + 1;
        long sent = System.nanoTime();
        String payload = "B" + id + "." + seq + "." + idx + "." + sent + "." + padding;
        String channel = channels[ch];
        String body;
        String type;
        switch (format) {
            case "raw" -> {
                body = payload;
                type = "text/plain";
            }
            case "json" -> {
                body = "{\"channel\":\"" + channel + "\",\"message\":\"" + payload + "\"}";
                type = "application/json";
            }
            default -> {
                body = "channel=" + channel + "&message=" + payload;
                type = "application/x-www-form-urlencoded";
            }
        }
        messages.sentNanos[idx] = sent;
        int status = send(channel, body, type);
        if (status >= 200 && status < 300) {
            seqs[ch] = seq;
            messages.channelOf[idx] = ch;
            accepted++;
        } else {
            rejected++;
        }
    }

    /** Messages {@code idx}, {@code idx + 1}, ... to channels {@code chs}, as one JSON array. */
    private void publishBatch(int idx, int[] chs) {
        long[] next = seqs.clone();
        long sent = System.nanoTime();
        StringBuilder body = new StringBuilder(chs.length * (80 + padding.length())).append('[');
        for (int k = 0; k < chs.length; k++) {
            long seq = ++next[chs[k]];
            body.append(k == 0 ? "" : ",").append("{\"channel\":\"").append(channels[chs[k]])
                    .append("\",\"message\":\"B").append(id).append('.').append(seq).append('.').append(idx + k)
                    .append('.').append(sent).append('.').append(padding).append("\"}");
            messages.sentNanos[idx + k] = sent;
        }
        int status = send(channels[chs[0]], body.append(']').toString(), "application/json");
        if (status >= 200 && status < 300) {
            System.arraycopy(next, 0, seqs, 0, seqs.length);
            for (int k = 0; k < chs.length; k++) {
                messages.channelOf[idx + k] = chs[k];
            }
            accepted += chs.length;
        } else {
            rejected += chs.length; // a batch refused part way is counted as refused whole (see the class comment)
        }
    }

    /** Sends one request and reads its answer: the status, or -1 when the connection failed. */
    private int send(String channel, String body, String type) {
        long sent = System.nanoTime();
        byte[] bodyBytes = body.getBytes(StandardCharsets.US_ASCII);
        String head = "POST " + endpoint.path(channel) + " HTTP/1.1\r\nHost: " + endpoint.hostHeader()
                + "\r\nContent-Type: " + type + "\r\nContent-Length: " + bodyBytes.length + "\r\n\r\n";
        byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
        try {
            if (socket == null) {
                socket = new Socket();
                socket.setTcpNoDelay(true);
                socket.setSoTimeout(10_000);
                socket.bind(new InetSocketAddress("127.0.0.1", 0));
                socket.connect(endpoint.address(), 5_000);
                in = new BufferedInputStream(socket.getInputStream(), 16384);
                out = socket.getOutputStream();
            }
            byte[] req = new byte[headBytes.length + bodyBytes.length];
            System.arraycopy(headBytes, 0, req, 0, headBytes.length);
            System.arraycopy(bodyBytes, 0, req, headBytes.length, bodyBytes.length);
            out.write(req);
            out.flush();
            int status = readResponse();
            roundTrip.record(System.nanoTime() - sent);
            statuses.merge(status, 1L, Long::sum);
            if (status < 200 || status >= 300) {
                errors.computeIfAbsent("publish status " + status, k -> new LongAdder()).increment();
            }
            return status;
        } catch (IOException e) {
            errors.computeIfAbsent("publish: " + e.getMessage(), k -> new LongAdder()).increment();
            closeQuietly();
            return -1;
        }
    }

    private boolean closeAfter;

    /** Reads one HTTP response (Content-Length, chunked or until close); returns its status. */
    private int readResponse() throws IOException {
        String statusLine = readLine();
        if (statusLine == null) {
            throw new IOException("connection closed by server");
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        long length = -1;
        boolean chunked = false;
        closeAfter = false;
        String h;
        while ((h = readLine()) != null && !h.isEmpty()) {
            String lower = h.toLowerCase(java.util.Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Long.parseLong(lower.substring(15).trim());
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            } else if (lower.startsWith("connection:") && lower.contains("close")) {
                closeAfter = true;
            }
        }
        if (chunked) {
            while (true) {
                String size = readLine();
                int semi = size.indexOf(';');
                long n = Long.parseLong((semi >= 0 ? size.substring(0, semi) : size).trim(), 16);
                if (n == 0) {
                    while ((h = readLine()) != null && !h.isEmpty()) {
                        // trailers
                    }
                    break;
                }
                skip(n);
                readLine();
            }
        } else if (length >= 0) {
            skip(length);
        } else {
            in.readAllBytes();
            closeAfter = true;
        }
        if (closeAfter) {
            closeQuietly();
        }
        return status;
    }

    private void skip(long n) throws IOException {
        while (n > 0) {
            long k = in.skip(n);
            if (k <= 0) {
                if (in.read() < 0) {
                    throw new IOException("response body cut short");
                }
                k = 1;
            }
            n -= k;
        }
    }

    private String readLine() throws IOException {
        StringBuilder sb = new StringBuilder(64);
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                int len = sb.length();
                if (len > 0 && sb.charAt(len - 1) == '\r') {
                    sb.setLength(len - 1);
                }
                return sb.toString();
            }
            sb.append((char) c);
        }
        return sb.isEmpty() ? null : sb.toString();
    }

    private void closeQuietly() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        socket = null;
    }
}
