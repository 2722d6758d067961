package io.ssebroadcaster.redis;

import io.ssebroadcaster.hub.EventId;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.util.SafeEncoder;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Whether an envelope's id can have been issued by the publish script yet. A forged envelope with
 * an id from the future would make a node skip every real message until then as "copies", and
 * number raw messages after it; a real one never carries an id past both Redis' clock and the last
 * id issued ({@link RedisStreams#LAST_ID_KEY}), because the script issues {@code max(TIME, last id)}
 * and stores it before it publishes.
 *
 * <p>So an id is taken when its time is not after Redis' clock now (estimated from one {@code TIME},
 * as a lower bound: no round trip per message), or when it is not after the last issued id, which
 * is read from Redis only for ids past the clock (rare for real ones: Redis' clock stepped back, or
 * the estimate is a little behind). A real message is never refused; a forged one can claim no more
 * than Redis' present, so the node's position never moves into the future.
 *
 * <p>Used by the subscriber thread only.
 */
final class IssuedIds {

    private static final Logger LOG = Logger.getLogger(IssuedIds.class.getName());
    /** How long one reading of Redis' clock is used (a clock stepped back is not trusted longer). */
    private static final long CLOCK_VALID_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** After a failed reading, the next try waits this long: not one per message while Redis is away. */
    private static final long CLOCK_RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** Redis' clock as read at {@code readAtNanos} (local monotonic time, when the answer arrived). */
    private record Clock(long redisMillis, long readAtNanos) {
        /** Redis' clock now is at least this: it had read {@code redisMillis} before the answer came. */
        long nowAtLeast(long nanos) {
            return redisMillis + TimeUnit.NANOSECONDS.toMillis(nanos - readAtNanos);
        }
    }

    private final UnifiedJedis commands;
    private Clock clock;
    private long lastClockTry = System.nanoTime() - CLOCK_RETRY_NANOS;
    /** The newest value of the last issued id seen: every id up to it was issued. */
    private EventId knownIssued = EventId.ZERO;

    IssuedIds(UnifiedJedis commands) {
        this.commands = commands;
    }

    /** True when {@code id} can have been issued by now; may ask Redis (bounded by the command timeouts). */
    boolean issued(EventId id) {
        if (!id.isAfter(knownIssued)) {
            return true;
        }
        long now = System.nanoTime();
        if ((clock == null || now - clock.readAtNanos() > CLOCK_VALID_NANOS) && now - lastClockTry >= CLOCK_RETRY_NANOS) {
            readClock();
        }
        if (clock != null && id.millis() <= clock.nowAtLeast(now)) {
            return true;
        }
        try {
            String last = commands.get(RedisStreams.LAST_ID_KEY);
            if (last != null) {
                EventId issuedUpTo = EventId.parse(last);
                if (issuedUpTo.isAfter(knownIssued)) {
                    knownIssued = issuedUpTo;
                }
            }
        } catch (JedisException | IllegalArgumentException e) {
            LOG.warning("could not read the last issued id to check envelope id " + id + ": " + e.getMessage());
        }
        return !id.isAfter(knownIssued);
    }

    /** Reads Redis' clock, now and then and after each reconnect (Redis may have been replaced). */
    void readClock() {
        lastClockTry = System.nanoTime();
        try {
            long sent = lastClockTry;
            @SuppressWarnings("unchecked")
            List<Object> time = (List<Object>) commands.sendCommand(Protocol.Command.TIME);
            long arrived = System.nanoTime();
            long seconds = Long.parseLong(SafeEncoder.encode((byte[]) time.get(0)));
            long micros = Long.parseLong(SafeEncoder.encode((byte[]) time.get(1)));
            clock = new Clock(seconds * 1000 + micros / 1000, arrived);
            LOG.fine(() -> "Redis clock read in " + TimeUnit.NANOSECONDS.toMicros(arrived - sent) + " us");
        } catch (RuntimeException e) { // JedisException, or an answer that is not TIME's
            // Without it every new id is checked against the last issued id: slower, still right
            clock = null;
            LOG.fine(() -> "could not read Redis' clock: " + e);
        }
    }
}
