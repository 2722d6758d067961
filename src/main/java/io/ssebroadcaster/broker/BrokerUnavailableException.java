package io.ssebroadcaster.broker;

/** The broker cannot carry a publication right now; nothing was sent. */
public final class BrokerUnavailableException extends RuntimeException {
    public BrokerUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
