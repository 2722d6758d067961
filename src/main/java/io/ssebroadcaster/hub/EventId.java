package io.ssebroadcaster.hub;

/**
 * An event id: {@code <millis>-<sequence>}, the shape of a Redis Stream entry id, optionally
 * followed by {@code .<local>} for events a node numbered itself (raw Redis publishes, which have
 * no stream entry): such an event sorts after the id it follows and before the next one.
 *
 * <p>Ids are ordered by time first, so a server that restarts keeps issuing ids larger than the
 * ones its clients hold: a reconnecting client is never mistaken for one that is "ahead".
 */
public record EventId(long millis, long sequence, long local) implements Comparable<EventId>, Position {

    public static final EventId ZERO = new EventId(0, 0);

    public EventId {
        if (millis < 0 || sequence < 0 || local < 0) {
            throw new IllegalArgumentException("event id parts must not be negative");
        }
    }

    public EventId(long millis, long sequence) {
        this(millis, sequence, 0);
    }

    /**
     * Parses {@code 1700000000000-3}, {@code 1700000000000-3.2} or a bare {@code 1700000000000}.
     *
     * @throws IllegalArgumentException when the text is not an id
     */
    public static EventId parse(String text) {
        String t = text.trim();
        try {
            int dash = t.indexOf('-');
            if (dash < 0) {
                return new EventId(parseDigits(t), 0);
            }
            String rest = t.substring(dash + 1);
            int dot = rest.indexOf('.');
            long millis = parseDigits(t.substring(0, dash));
            if (dot < 0) {
                return new EventId(millis, parseDigits(rest));
            }
            return new EventId(millis, parseDigits(rest.substring(0, dot)), parseDigits(rest.substring(dot + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an event id: '" + abbreviate(text) + "'");
        }
    }

    private static long parseDigits(String s) {
        if (s.isEmpty() || s.length() > 18) {
            throw new NumberFormatException(s);
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                throw new NumberFormatException(s);
            }
        }
        return Long.parseLong(s);
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    /** The next id in the same millisecond (a node-local part is dropped). */
    public EventId successor() {
        return new EventId(millis, sequence + 1);
    }

    /** The id of the {@code n}th locally numbered event after this one. */
    public EventId withLocal(long n) {
        return new EventId(millis, sequence, n);
    }

    /** The {@code <millis>-<sequence>} part, as Redis Streams know it. */
    public String streamId() {
        return millis + "-" + sequence;
    }

    @Override
    public int compareTo(EventId o) {
        int c = Long.compare(millis, o.millis);
        if (c == 0) {
            c = Long.compare(sequence, o.sequence);
        }
        return c != 0 ? c : Long.compare(local, o.local);
    }

    public boolean isAfter(EventId o) {
        return compareTo(o) > 0;
    }

    @Override
    public String toString() {
        return local == 0 ? streamId() : streamId() + "." + local;
    }
}
