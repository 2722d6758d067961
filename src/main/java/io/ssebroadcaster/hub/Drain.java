package io.ssebroadcaster.hub;

/**
 * How the hub tells the transport of a subscription (in {@code delivery}) that there is work:
 * events to write, or an end to carry out. Both calls come from the hub's threads, often under its
 * lock, so they only hand the work over and never block.
 */
public interface Drain {

    /** The subscription's outbox went from empty to non-empty. */
    void ready(Subscription subscription);

    /**
     * The subscription has ended and left the hub. The transport closes the connection: at once
     * for a client cut off, or after writing what is still queued when the server shuts down.
     */
    void ended(Subscription subscription, Subscription.EndReason reason);
}
