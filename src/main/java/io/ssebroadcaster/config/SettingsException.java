package io.ssebroadcaster.config;

/** A setting is missing, unknown or out of range; the message names it and where it came from. */
public final class SettingsException extends RuntimeException {
    public SettingsException(String message) {
        super(message);
    }
}
