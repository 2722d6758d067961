package io.ssebroadcaster.hub;

import java.time.Duration;

/** The writers are too far behind to take more work; the publisher or subscriber should retry later. */
public final class HubOverloadedException extends RuntimeException {
    public HubOverloadedException(Duration behind) {
        super("server is busy: delivery is " + behind.toMillis() + " ms behind; retry shortly", null, false, false);
    }
}
