package io.ssebroadcaster.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * A {@code --redis-url}: {@code redis://[user:password@]host[:port][/db]}, or {@code rediss://} for
 * TLS. Checked whole when the settings are loaded, so a bad one exits 2 with a message naming the
 * key, and the Redis code never sees one.
 */
public record RedisUrl(String host, int port, String user, String password, int database, boolean tls) {

    /** @throws IllegalArgumentException saying what is wrong (never repeating the URL: it may hold a password) */
    public static RedisUrl parse(String url) {
        String problem = problemWith(url);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        URI uri = URI.create(url);
        String user = null;
        String password = null;
        if (uri.getRawUserInfo() != null) {
            String[] parts = uri.getRawUserInfo().split(":", 2);
            user = parts[0].isEmpty() ? null : decode(parts[0]);
            password = parts.length > 1 ? decode(parts[1]) : null;
        }
        return new RedisUrl(uri.getHost(), uri.getPort() < 0 ? 6379 : uri.getPort(), user, password,
                database(uri.getRawPath()), "rediss".equals(uri.getScheme()));
    }

    /** What is wrong with {@code url}, or null if {@link #parse} takes it. */
    static String problemWith(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return "is not a valid URL (" + e.getReason() + ")";
        }
        if (!"redis".equals(uri.getScheme()) && !"rediss".equals(uri.getScheme())) {
            return "must start with redis:// or rediss://";
        }
        if (uri.getHost() == null) { // java.net.URI finds no host when any part of host[:port] is malformed
            return "must be redis://[user:password@]host[:port][/db], the host an IP address or a name of "
                    + "letters, digits, '-' and '.' (no '_'), the port digits";
        }
        if (uri.getPort() == 0 || uri.getPort() > 65535) {
            return "port must be 1..65535";
        }
        if (database(uri.getRawPath()) < 0) {
            return "database (the path) must be a non-negative integer, as in redis://host:6379/0";
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            return "takes no ?query or #fragment (they would be ignored)";
        }
        if (uri.getRawUserInfo() != null) {
            try {
                for (String part : uri.getRawUserInfo().split(":", 2)) {
                    decode(part);
                }
            } catch (IllegalArgumentException e) {
                return "user or password is not %-encoded properly";
            }
        }
        return null;
    }

    /** The database number from the URL's path ("", "/" or "/N"), or -1 if it is anything else. */
    private static int database(String rawPath) {
        if (rawPath == null || rawPath.isEmpty() || rawPath.equals("/")) {
            return 0;
        }
        if (!rawPath.matches("/[0-9]{1,10}")) {
            return -1;
        }
        long n = Long.parseLong(rawPath.substring(1));
        return n <= Integer.MAX_VALUE ? (int) n : -1;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
