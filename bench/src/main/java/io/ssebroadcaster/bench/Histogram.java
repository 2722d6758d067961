package io.ssebroadcaster.bench;

/**
 * A log-linear histogram of non-negative longs (nanoseconds here), in the spirit of HdrHistogram:
 * values below 128 are exact, larger ones fall into one of 64 buckets per power of two (under
 * 1.6 % error). One array of counts, no allocation per value; one instance per recording thread,
 * merged at the end.
 */
final class Histogram {

    private static final int LINEAR = 128;
    private static final int SUB = 64;
    private static final int BUCKETS = LINEAR + 56 * SUB;

    private final long[] counts = new long[BUCKETS];
    private long total;
    private long max = Long.MIN_VALUE;
    private long min = Long.MAX_VALUE;
    private double sum;

    void record(long value) {
        if (value < 0) {
            value = 0; // clocks are monotonic, but guard against a clamped negative anyway
        }
        counts[index(value)]++;
        total++;
        sum += value;
        if (value > max) {
            max = value;
        }
        if (value < min) {
            min = value;
        }
    }

    private static int index(long v) {
        if (v < LINEAR) {
            return (int) v;
        }
        int msb = 63 - Long.numberOfLeadingZeros(v);
        int shift = msb - 6;
        int top = (int) (v >>> shift); // 64..127
        return LINEAR + (shift - 1) * SUB + (top - SUB);
    }

    /** The middle of bucket {@code i}. */
    private static long valueAt(int i) {
        if (i < LINEAR) {
            return i;
        }
        int shift = (i - LINEAR) / SUB + 1;
        long top = (i - LINEAR) % SUB + SUB;
        return (top << shift) + ((1L << shift) >> 1);
    }

    void add(Histogram other) {
        for (int i = 0; i < BUCKETS; i++) {
            counts[i] += other.counts[i];
        }
        total += other.total;
        sum += other.sum;
        if (other.total > 0) {
            max = Math.max(max, other.max);
            min = Math.min(min, other.min);
        }
    }

    long count() {
        return total;
    }

    long max() {
        return total == 0 ? 0 : max;
    }

    double mean() {
        return total == 0 ? 0 : sum / total;
    }

    /** The value at quantile {@code q} (0..1), never above the exact maximum. */
    long quantile(double q) {
        if (total == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(q * total));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Math.min(Math.max(valueAt(i), min), max);
            }
        }
        return max;
    }
}
