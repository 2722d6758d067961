package io.ssebroadcaster.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Answers, with our JSON errors, the cross-origin requests Helidon's CORS support would refuse with
 * a bare 403: a method we do not serve (405), an origin that is not listed or is empty (403), or a preflight
 * asking for a header {@code --cors-headers} does not list (403). Everything else goes on to the
 * CORS support, which adds the headers. Same-origin requests are not cross-origin at all and pass
 * untouched (see {@link SameOrigin}). A handler passing on with {@code res.next()}, not a filter, for
 * the reason given in {@link HeaderSizeLimit}.
 */
final class CorsRefusals implements Handler {

    private static final Set<Method> SERVED = Set.of(Method.GET, Method.POST, Method.OPTIONS, Method.HEAD);

    private final List<String> origins;
    private final Set<String> headers; // lower case; empty: any

    CorsRefusals(List<String> origins, List<String> headers) {
        this.origins = origins;
        this.headers = headers.contains("*") ? Set.of()
                : Set.copyOf(headers.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList());
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        Optional<String> origin = req.headers().first(HeaderNames.ORIGIN);
        if (origin.isPresent() && origin.get().isBlank()) {
            // No browser sends it; Helidon's CORS support would refuse it with a bare 403 (so would a HEAD)
            ErrorMapper.send(res, 403, "origin not allowed: the Origin header is empty", null);
            return;
        }
        if (origin.isPresent() && !SameOrigin.test(req)) {
            if (!SERVED.contains(req.prologue().method())) {
                res.header(HeaderNames.ALLOW, "GET, POST, OPTIONS");
                ErrorMapper.send(res, 405, "method not allowed", null);
                return;
            }
            if (!origins.contains("*") && !origins.contains(origin.get())) {
                ErrorMapper.send(res, 403, "origin not allowed: see --cors-origins", null);
                return;
            }
            String unlisted = unlistedHeader(req);
            if (unlisted != null) {
                ErrorMapper.send(res, 403, "request header not allowed: " + unlisted + ": see --cors-headers", null);
                return;
            }
        }
        res.next();
    }

    /** The first header a preflight asks for that is not listed, or null. */
    private String unlistedHeader(ServerRequest req) {
        if (headers.isEmpty() || req.prologue().method() != Method.OPTIONS
                || !req.headers().contains(HeaderNames.ACCESS_CONTROL_REQUEST_METHOD)) {
            return null;
        }
        for (String list : req.headers().values(HeaderNames.ACCESS_CONTROL_REQUEST_HEADERS)) {
            for (String name : list.split(",")) {
                String h = name.trim().toLowerCase(Locale.ROOT);
                if (!h.isEmpty() && !headers.contains(h)) {
                    return h.length() > 100 ? h.substring(0, 100) + "..." : h;
                }
            }
        }
        return null;
    }
}
