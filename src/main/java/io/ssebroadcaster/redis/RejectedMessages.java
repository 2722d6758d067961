package io.ssebroadcaster.redis;

import io.ssebroadcaster.hub.ChannelName;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;

/**
 * Messages from Redis pub/sub that a node did not take as they came, by reason: anybody who can
 * {@code PUBLISH} on Redis can send them, so each is counted (a metric) and none is dropped silently.
 */
public final class RejectedMessages {

    private static final Logger LOG = Logger.getLogger(RejectedMessages.class.getName());
    /** One log line per this many of one reason (the first included), so a flood cannot flood the log. */
    private static final long LOG_EVERY = 1000;

    public enum Reason {
        /** Starts like an API envelope but is not a valid one: delivered as the raw message it is. */
        MALFORMED("an invalid envelope, delivered as raw"),
        /** An envelope whose id Redis has not issued (ahead of its clock and its last id): delivered as raw. */
        UNISSUED("an envelope with an id Redis has not issued, delivered as raw"),
        /** An envelope whose id is before the newest one delivered, and not a copy of it: dropped. */
        STALE("an envelope with an id older than the newest delivered, dropped"),
        /** A raw message on a channel whose name no client can subscribe to (matched by a pattern): dropped. */
        CHANNEL("a raw message on an invalid channel name, dropped"),
        /** Data larger than {@code --max-message-bytes} (the API refuses such a publish): dropped. */
        TOO_LARGE("a message larger than --max-message-bytes, dropped");

        private final String description;

        Reason(String description) {
            this.description = description;
        }

        /** As the metric's tag shows it. */
        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Map<Reason, LongAdder> counts = new EnumMap<>(Reason.class);

    RejectedMessages() {
        for (Reason r : Reason.values()) {
            counts.put(r, new LongAdder());
        }
    }

    void count(Reason reason, String channel) {
        LongAdder n = counts.get(reason);
        n.increment();
        long total = n.sum();
        if (total % LOG_EVERY == 1) {
            LOG.warning("from Redis on channel '" + ChannelName.printable(channel) + "': " + reason.description
                    + " (" + total + " so far; who can PUBLISH on Redis can send anything)");
        }
    }

    public long count(Reason reason) {
        return counts.get(reason).sum();
    }

}
