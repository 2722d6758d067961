package io.ssebroadcaster;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Polls a condition until it holds, failing the test at the deadline. */
public final class Await {

    private Await() {
    }

    public static void until(BooleanSupplier condition, long timeout, TimeUnit unit, String what) {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            pause();
        }
    }

    public static void until(BooleanSupplier condition, String what) {
        until(condition, 30, TimeUnit.SECONDS, what);
    }

    /** The polling interval of the waits above; not a stand-in for synchronisation. */
    static void pause() {
        try {
            Thread.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted");
        }
    }
}
