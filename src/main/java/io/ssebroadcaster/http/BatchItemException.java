package io.ssebroadcaster.http;

/**
 * One item of a batch publish was refused, so the whole batch is (nothing was published). Carries
 * the item's index and what was wrong with it (an {@link ApiException}, or the publisher's lack of
 * right to its channels); {@link ErrorMapper} answers with that refusal's status, naming the index.
 */
final class BatchItemException extends RuntimeException {

    private final int index;

    BatchItemException(int index, RuntimeException refusal) {
        super("item " + index + ": " + refusal.getMessage(), refusal, false, false);
        this.index = index;
    }

    /** The refused item's position in the batch, from 0. */
    int index() {
        return index;
    }

    /** Why it was refused: an {@link ApiException} or an {@code AccessDeniedException}. */
    RuntimeException refusal() {
        return (RuntimeException) getCause();
    }
}
