package io.ssebroadcaster.hub;

/**
 * What an event type (the SSE {@code event:} field) may be, wherever it comes from (a publish, or
 * an envelope heard on Redis): it must fit on one SSE line, so a CR, LF or NUL in it could forge
 * fields; other control characters have no business there either (and one separates fields on Redis).
 */
public final class EventType {

    public static final int MAX_LENGTH = 255;

    private EventType() {
    }

    /** Why {@code type} is not a valid event type, or null when it is. */
    public static String problem(String type) {
        if (type.isEmpty() || type.length() > MAX_LENGTH) {
            return "'event' must be 1.." + MAX_LENGTH + " characters";
        }
        for (int i = 0; i < type.length(); i++) {
            char c = type.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return "'event' must not contain CR, LF, NUL or other control characters";
            }
        }
        return null;
    }
}
