package io.ssebroadcaster.auth;

/**
 * A request without the right to do what it asked. {@code authenticated} tells a missing, bad or
 * expired credential (401) from a valid one that does not cover the channels (403).
 */
public final class AccessDeniedException extends RuntimeException {

    private final boolean authenticated;

    public AccessDeniedException(String message, boolean authenticated) {
        super(message, null, false, false);
        this.authenticated = authenticated;
    }

    public boolean authenticated() {
        return authenticated;
    }
}
