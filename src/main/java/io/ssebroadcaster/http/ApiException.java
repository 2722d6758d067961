package io.ssebroadcaster.http;

/**
 * A request the server refuses, with the status and the sentence the client is told. Thrown
 * anywhere in the HTTP edge; {@link ErrorMapper} turns it into the JSON error response.
 */
public final class ApiException extends RuntimeException {

    private final int status;
    private final Integer retryAfterSeconds;

    private ApiException(int status, String message, Integer retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, message, null);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, message, null);
    }

    public static ApiException methodNotAllowed(String message) {
        return new ApiException(405, message, null);
    }

    public static ApiException payloadTooLarge(String message) {
        return new ApiException(413, message, null);
    }

    public static ApiException unsupportedMediaType(String message) {
        return new ApiException(415, message, null);
    }

    public static ApiException unavailable(String message, int retryAfterSeconds) {
        return new ApiException(503, message, retryAfterSeconds);
    }

    public int status() {
        return status;
    }

    /** Seconds for a {@code Retry-After} header, or null. */
    public Integer retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
