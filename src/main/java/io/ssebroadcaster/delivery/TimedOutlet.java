package io.ssebroadcaster.delivery;

import java.io.IOException;

/**
 * An outlet written on its transport's own thread (an HTTP/2 stream, a long poll, a stream's replay),
 * watched by the {@link Writers}' watchdog: a write blocked longer than {@link Writers#WRITE_TIMEOUT}
 * runs {@code onTimeout}, which cuts the client off.
 */
final class TimedOutlet implements Outlet, Writers.TimedWrite {

    private final Outlet out;
    private final Writers writers;
    private final Runnable onTimeout;
    private volatile long writingSince;

    TimedOutlet(Outlet out, Writers writers, Runnable onTimeout) {
        this.out = out;
        this.writers = writers;
        this.onTimeout = onTimeout;
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        writingSince = Math.max(1, writers.now());
        writers.track(this);
        try {
            out.write(bytes, offset, length);
        } finally {
            writingSince = 0;
            writers.untrack(this);
        }
    }

    @Override
    public void flush() throws IOException {
        writingSince = Math.max(1, writers.now());
        writers.track(this);
        try {
            out.flush();
        } finally {
            writingSince = 0;
            writers.untrack(this);
        }
    }

    @Override
    public void abort() {
        out.abort();
    }

    @Override
    public void close() {
        out.close();
    }

    @Override
    public long writingSince() {
        return writingSince;
    }

    @Override
    public void timedOut() {
        onTimeout.run();
    }
}
