package io.ssebroadcaster.hub;

/** A client's {@code Last-Event-ID} that does not fit its subscription (answered 400). */
public final class BadPositionException extends IllegalArgumentException {

    public BadPositionException(String message) {
        super(message);
    }
}
