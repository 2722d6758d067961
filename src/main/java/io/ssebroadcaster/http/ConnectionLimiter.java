package io.ssebroadcaster.http;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Caps open streams and polls. Each holds a socket, so refusing at the cap keeps the process below
 * its open-file limit (Helidon stops accepting for good when it runs out of descriptors).
 */
public final class ConnectionLimiter {

    private final int max;
    private final Semaphore permits;

    public ConnectionLimiter(int max) {
        this.max = max;
        this.permits = new Semaphore(max);
    }

    void acquire() {
        if (!permits.tryAcquire()) {
            throw new ConnectionCapException(max);
        }
    }

    void release() {
        permits.release();
    }

    /** Waits until every stream and poll has finished writing, at most {@code timeout}. */
    public boolean awaitIdle(Duration timeout) {
        try {
            if (permits.tryAcquire(max, timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                permits.release(max);
                return true;
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
