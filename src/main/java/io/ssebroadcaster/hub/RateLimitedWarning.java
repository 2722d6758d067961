package io.ssebroadcaster.hub;

import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One kind of WARNING, logged at most once per interval. A thousand clients that stop reading at
 * once would otherwise write a thousand lines (and the log is on the same disk and CPU the server
 * needs then); the occurrences held back are counted and the next line says how many there were.
 */
public final class RateLimitedWarning {

    /** How often each kind of warning may be logged. */
    public static final long INTERVAL_NANOS = 10_000_000_000L;

    private final Logger log;
    private final long intervalNanos;
    private final LongSupplier clock;
    private long lastNanos;
    private boolean logged;
    private long heldBack;

    public RateLimitedWarning(Logger log) {
        this(log, INTERVAL_NANOS, System::nanoTime);
    }

    RateLimitedWarning(Logger log, long intervalNanos, LongSupplier clock) {
        this.log = log;
        this.intervalNanos = intervalNanos;
        this.clock = clock;
    }

    /** Logs {@code message}, unless this warning was logged less than an interval ago (then counts it). */
    public void warn(Supplier<String> message) {
        if (!log.isLoggable(Level.WARNING)) {
            return;
        }
        long now = clock.getAsLong();
        long also;
        synchronized (this) {
            if (logged && now - lastNanos < intervalNanos) {
                heldBack++;
                return;
            }
            logged = true;
            lastNanos = now;
            also = heldBack;
            heldBack = 0;
        }
        long seconds = intervalNanos / 1_000_000_000L;
        log.warning(() -> message.get() + (also == 0 ? ""
                : " (and " + also + " more like it in the " + seconds + " s before, not logged one by one)"));
    }
}
