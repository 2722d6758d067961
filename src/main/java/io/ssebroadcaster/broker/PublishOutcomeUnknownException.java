package io.ssebroadcaster.broker;

/**
 * The publication was handed over but its fate was never reported (Redis took the command and did
 * not answer in time, or the connection broke before its answer): it may have been published, or may
 * still be. Unlike {@link BrokerUnavailableException}, retrying without an idempotency key may
 * deliver the message twice.
 */
public final class PublishOutcomeUnknownException extends RuntimeException {
    public PublishOutcomeUnknownException(String message, Throwable cause) {
        super(message, cause);
    }
}
