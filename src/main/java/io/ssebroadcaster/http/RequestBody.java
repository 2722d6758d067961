package io.ssebroadcaster.http;

import io.helidon.webserver.http.ServerRequest;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/** Reads a request body into memory, refusing (413) anything larger than a limit before buffering it. */
final class RequestBody {

    private RequestBody() {
    }

    static byte[] read(ServerRequest req, int limit) {
        long declared;
        try {
            declared = req.headers().contentLength().orElse(-1);
        } catch (RuntimeException e) {
            throw ApiException.badRequest("malformed Content-Length");
        }
        if (declared > limit) {
            throw tooLarge(limit);
        }
        if (!req.content().hasEntity()) {
            return new byte[0];
        }
        byte[] buf = new byte[(int) Math.min(declared >= 0 ? declared : 8192, limit) + 1];
        int n = 0;
        try (InputStream in = req.content().inputStream()) {
            while (true) {
                if (n == buf.length) {
                    if (n > limit) {
                        throw tooLarge(limit);
                    }
                    buf = Arrays.copyOf(buf, Math.min(buf.length * 2, limit + 1));
                }
                int r = in.read(buf, n, buf.length - n);
                if (r < 0) {
                    break;
                }
                n += r;
            }
        } catch (ApiException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // A body cut short, bad chunk framing, a length the data does not match
            throw ApiException.badRequest("request body cut short or malformed");
        }
        if (n > limit) {
            throw tooLarge(limit);
        }
        return Arrays.copyOf(buf, n);
    }

    static ApiException tooLarge(int limit) {
        return ApiException.payloadTooLarge("request body larger than " + limit + " bytes");
    }
}
