package io.ssebroadcaster.http;

import io.ssebroadcaster.broker.PublishOutcomeUnknownException;
import io.ssebroadcaster.hub.Position;

import java.util.List;

/**
 * A batch stopped part way: the broker failed on item {@code failedAt}, after the items before it
 * were published (with the ids in {@code published}); the items from {@code failedAt} on were not
 * sent, except that item {@code failedAt} itself may have been when the failure is an unknown outcome
 * (a {@code PublishOutcomeUnknownException}). {@link ErrorMapper} answers with the status the failure
 * calls for on a single publish, plus the ids and the index, so the client can send the rest again.
 */
final class BatchPublishException extends RuntimeException {

    private final List<Position> published;
    private final int failedAt;

    BatchPublishException(List<Position> published, RuntimeException failure) {
        super(describe(published.size(), failure), failure, false, false);
        this.published = List.copyOf(published);
        this.failedAt = published.size();
    }

    private static String describe(int failedAt, RuntimeException failure) {
        String fate = failure instanceof PublishOutcomeUnknownException
                ? "outcome unknown (it may have been or may yet be published)" : "not published";
        return "item " + failedAt + " " + fate + ", no item after it was sent, the " + failedAt
                + " before it were published: " + failure.getMessage();
    }

    List<Position> published() {
        return published;
    }

    int failedAt() {
        return failedAt;
    }

    RuntimeException failure() {
        return (RuntimeException) getCause();
    }
}
