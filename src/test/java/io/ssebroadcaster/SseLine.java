package io.ssebroadcaster;

/** Splits one event-stream line into field and value, as the SSE spec does (one leading space dropped). */
public record SseLine(String field, String value) {

    public static SseLine parse(String line) {
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(colon + 1);
        return new SseLine(field, value.startsWith(" ") ? value.substring(1) : value);
    }
}
