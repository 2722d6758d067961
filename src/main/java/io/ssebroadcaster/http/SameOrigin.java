package io.ssebroadcaster.http;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRequest;

import java.util.Locale;
import java.util.Optional;

/**
 * Whether a request comes from a page on the hub's own origin (its {@code /demo/}, or a page served
 * under the same host name): the {@code Origin}'s host[:port] is the request's {@code Host}. CORS
 * does not apply to those, so they are never refused and need no CORS headers.
 *
 * <p>The scheme is not compared: behind a proxy that terminates TLS the page is {@code https://}
 * while the hub sees plain HTTP (which is why Helidon's own same-origin test, scheme included, is
 * not enough). This lets nothing in that CORS would keep out: a browser sends the Host of the
 * server it talks to, so a page elsewhere cannot pair its Origin with our Host.
 */
final class SameOrigin {

    private SameOrigin() {
    }

    static boolean test(HttpRequest req) {
        Optional<String> origin = req.headers().first(HeaderNames.ORIGIN);
        return origin.isPresent() && test(origin.get(), host(req));
    }

    /** {@code origin} as browsers send it ({@code scheme://host[:port]}), {@code host} as in a Host header. */
    static boolean test(String origin, String host) {
        int slashes = origin.indexOf("://");
        if (slashes < 0 || host == null || host.isBlank()) {
            return false; // "null" (a sandboxed page or file://) has no host to match
        }
        String scheme = origin.substring(0, slashes).toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return false;
        }
        // Origins leave the scheme's default port out; a Host header may still name it
        String defaultPort = scheme.equals("https") ? ":443" : ":80";
        return withoutPort(origin.substring(slashes + 3), defaultPort)
                .equalsIgnoreCase(withoutPort(host.trim(), defaultPort));
    }

    private static String withoutPort(String authority, String port) {
        return authority.endsWith(port) ? authority.substring(0, authority.length() - port.length()) : authority;
    }

    private static String host(HttpRequest req) {
        Optional<String> host = req.headers().first(HeaderNames.HOST);
        if (host.isPresent()) {
            return host.get();
        }
        try {
            return req.authority(); // HTTP/2 carries the host as :authority, not as a Host header
        } catch (RuntimeException e) {
            return null; // HTTP/1 without a Host header: Helidon's authority() throws
        }
    }
}
