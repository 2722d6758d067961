package io.ssebroadcaster.hub;

/**
 * The rules for channel names. A name is 1 to {@value #MAX_LENGTH} characters from
 * {@code A-Z a-z 0-9 _ - . : @ /}; a subscription may also use {@code *} as a wildcard that
 * matches any run of characters (a pattern, as Redis PSUBSCRIBE), but nobody can publish to one.
 */
public final class ChannelName {

    public static final int MAX_LENGTH = 255;

    private ChannelName() {
    }

    /** @return null when the name is acceptable for a subscription, else what is wrong with it */
    public static String problemForSubscribe(String name) {
        return problem(name, true);
    }

    /** @return null when the name is acceptable for a publish, else what is wrong with it */
    public static String problemForPublish(String name) {
        return problem(name, false);
    }

    private static String problem(String name, boolean patternAllowed) {
        if (name.isEmpty()) {
            return "channel name is empty";
        }
        if (name.length() > MAX_LENGTH) {
            return "channel name longer than " + MAX_LENGTH + " characters";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '*' && !patternAllowed) {
                return "cannot publish to a pattern: '" + name + "'";
            }
            if (!allowed(c)) {
                return "channel name '" + printable(name) + "' has a character outside A-Z a-z 0-9 _ - . : @ /"
                        + (patternAllowed ? " *" : "");
            }
        }
        return null;
    }

    private static boolean allowed(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '_' || c == '-' || c == '.' || c == ':' || c == '@' || c == '/' || c == '*';
    }

    /** Untrusted text fit for a log line or an error message: control characters as {@code ?}, at most 64 characters. */
    public static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && i < 64; i++) {
            char c = s.charAt(i);
            sb.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return s.length() > 64 ? sb + "..." : sb.toString();
    }

    public static boolean isPattern(String name) {
        return name.indexOf('*') >= 0;
    }

    /** Glob match where {@code *} matches any run of characters, including none. */
    public static boolean matches(String pattern, String channel) {
        int p = 0;
        int c = 0;
        int star = -1;
        int mark = 0;
        while (c < channel.length()) {
            if (p < pattern.length() && pattern.charAt(p) == '*') {
                star = p++;
                mark = c;
            } else if (p < pattern.length() && pattern.charAt(p) == channel.charAt(c)) {
                p++;
                c++;
            } else if (star >= 0) {
                p = star + 1;
                c = ++mark;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }
}
