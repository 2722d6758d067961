package io.ssebroadcaster.hub;

/**
 * An event id of the form {@code <millis>-<sequence>}, the same shape as a Redis Stream entry id.
 *
 * <p>Ids are ordered by time first, so a server that restarts keeps issuing ids larger than the
 * ones its clients hold: a reconnecting client is never mistaken for one that is "ahead".
 */
public record EventId(long millis, long sequence) implements Comparable<EventId> {

    public static final EventId ZERO = new EventId(0, 0);

    public EventId {
        if (millis < 0 || sequence < 0) {
            throw new IllegalArgumentException("event id parts must not be negative");
        }
    }

    /**
     * Parses {@code 1700000000000-3} or a bare {@code 1700000000000}.
     *
     * @throws IllegalArgumentException when the text is not an id
     */
    public static EventId parse(String text) {
        String t = text.trim();
        int dash = t.indexOf('-');
        try {
            if (dash < 0) {
                return new EventId(parseDigits(t), 0);
            }
            return new EventId(parseDigits(t.substring(0, dash)), parseDigits(t.substring(dash + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an event id: '" + abbreviate(text) + "'");
        }
    }

    private static long parseDigits(String s) {
        if (s.isEmpty() || s.length() > 19) {
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

    /** The smallest id strictly greater than this one. */
    public EventId successor() {
        return new EventId(millis, sequence + 1);
    }

    @Override
    public int compareTo(EventId o) {
        int c = Long.compare(millis, o.millis);
        return c != 0 ? c : Long.compare(sequence, o.sequence);
    }

    public boolean isAfter(EventId o) {
        return compareTo(o) > 0;
    }

    @Override
    public String toString() {
        return millis + "-" + sequence;
    }
}
