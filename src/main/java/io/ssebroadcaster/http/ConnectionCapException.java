package io.ssebroadcaster.http;

/** The connection cap is reached: the subscriber is sent away to come back later (see {@link ErrorMapper}). */
final class ConnectionCapException extends RuntimeException {
    ConnectionCapException(int max) {
        super("too many connections (limit " + max + "); retry later", null, false, false);
    }
}
