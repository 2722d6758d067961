package io.ssebroadcaster.hub;

/**
 * Gives an event another id on the wire, keeping its shared bytes otherwise (the delivery layer
 * knows the encoding). Used where each channel keeps its own order: a subscriber of several
 * channels is sent its place in all of them ({@link ChannelPositions}).
 */
public interface IdStamper {

    /** The same event with {@code id} as its SSE {@code id:} field. */
    Event withId(Event event, String id);
}
