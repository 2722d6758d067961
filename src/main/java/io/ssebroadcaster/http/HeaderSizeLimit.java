package io.ssebroadcaster.http;

import io.helidon.http.Header;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * Refuses requests whose headers exceed {@value #MAX_HEADER_BYTES} bytes with 431 and a JSON body.
 * Helidon's own (larger) limit stays as a backstop, but it answers a bare 400 that does not say why.
 *
 * <p>A handler that passes requests on with {@code res.next()} rather than a filter: a filter stays on
 * the stack of every request it lets through, and an idle event stream's parked stack is most of
 * what it costs (about 600 bytes a filter).
 */
public final class HeaderSizeLimit implements Handler {

    public static final int MAX_HEADER_BYTES = 16 * 1024;
    /** Helidon's parser limit: above ours, so ours is the one clients meet. */
    public static final int PARSER_MAX_HEADER_BYTES = 64 * 1024;
    /** Room for a subscription to the maximum number of channels of maximum length. */
    public static final int MAX_REQUEST_LINE_BYTES = 32 * 1024;

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        int size = 0;
        for (Header h : req.headers()) {
            size += h.name().length() + h.allValues().stream().mapToInt(v -> v.length() + 4).sum();
        }
        if (size > MAX_HEADER_BYTES) {
            ErrorMapper.send(res, 431, "request headers larger than " + MAX_HEADER_BYTES + " bytes", null);
            return;
        }
        res.next();
    }
}
