package io.ssebroadcaster.redis;

import io.ssebroadcaster.delivery.EventStreamCodec;
import io.ssebroadcaster.hub.Event;
import io.ssebroadcaster.hub.EventId;
import io.ssebroadcaster.hub.Hub;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.util.SafeEncoder;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Turns what the shard connections of a Redis Cluster receive into events for this node's hub. Each
 * channel keeps its own order there (its stream's ids, issued by the shard that owns it), and the hub
 * drops what is not newer than what it delivered on that channel; so this class has no order to
 * keep, and the only thing it must get right is where a channel starts:
 *
 * <ul>
 * <li>When a shard confirms a channel ({@code SSUBSCRIBE}) that the hub does not know yet, the
 *     channel's last id is read and the hub {@linkplain Hub#establish placed} there: every message
 *     after it reaches the node live, as the confirmation came first.</li>
 * <li>When it confirms one the hub knows (the shard connection was lost, the master failed over, the
 *     slot moved), what the channel's stream got since is read and delivered before anything later
 *     from that connection is handled.</li>
 * </ul>
 *
 * <p>Nothing received is trusted (anybody who can {@code SPUBLISH} can send anything): an envelope
 * that is not a valid one, or whose id lies in the future, is delivered as the raw message it is; a
 * raw message is numbered after the channel's newest id; each is counted.
 */
final class ClusterDelivery {

    private static final Logger LOG = Logger.getLogger(ClusterDelivery.class.getName());
    /** An envelope id this far ahead of this node's clock was not issued by a shard (clocks agree better). */
    private static final long MAX_AHEAD_MILLIS = TimeUnit.MINUTES.toMillis(1);

    /** The last id, or else one just before the shard's clock: atomically, so no publish falls between. */
    private static final String LAST_ISSUED = "local last = redis.call('GET', KEYS[1]) "
            + "if last then return last end "
            + "local t = redis.call('TIME') "
            + "return string.format('%d-0', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - 1)";

    /** KEYS: the channel's last id and trim floor; ARGV[1]: an id this node delivered. Returns 1 when moved up. */
    private static final String LOST_WRITES = String.join("\n",
            "local function before(a, b)",
            "  local am, as = string.match(a or '', '^(%d+)-(%d+)$')",
            "  local bm, bs = string.match(b, '^(%d+)-(%d+)$')",
            "  if not am then return true end",
            "  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)",
            "  return am < bm or (am == bm and as < bs)",
            "end",
            "local last = redis.call('GET', KEYS[1])",
            // none: never published, or expired (then nothing of it is kept to lose track of)
            "if not last or not before(last, ARGV[1]) then return 0 end",
            "redis.call('SET', KEYS[1], ARGV[1])",
            "if before(redis.call('GET', KEYS[2]), ARGV[1]) then redis.call('SET', KEYS[2], ARGV[1]) end",
            "return 1");

    private final java.util.concurrent.atomic.LongAdder lostWrites = new java.util.concurrent.atomic.LongAdder();
    private final Hub hub;
    private final UnifiedJedis cluster;
    private final RedisStreamReader streams;
    private final int historySize;
    private final RejectedMessages rejected;
    private final int maxMessageBytes;

    ClusterDelivery(Hub hub, UnifiedJedis cluster, int historySize, RejectedMessages rejected, int maxMessageBytes) {
        this.hub = hub;
        this.cluster = cluster;
        this.streams = new RedisStreamReader(cluster, RedisStreams.Layout.CLUSTER);
        this.historySize = historySize;
        this.rejected = rejected;
        this.maxMessageBytes = maxMessageBytes;
    }

    /**
     * A shard confirmed {@code channel}; called on that shard's thread before it handles anything
     * else it received.
     *
     * @throws redis.clients.jedis.exceptions.JedisException when Redis cannot be read: the
     *         connection is then dropped and made again, and this is called again
     */
    void subscribed(String channel) {
        EventId latest = hub.latest(channel);
        if (latest == null) {
            hub.establish(channel, lastIssued(channel));
            return;
        }
        noteLostWrites(channel, latest);
        if (historySize == 0) {
            return;
        }
        List<Event> missed = streams.read(channel, latest, null, historySize);
        if (!missed.isEmpty()) {
            LOG.info("caught up on " + missed.size() + " messages to '" + channel + "' published while this node was not subscribed to it on its shard");
        }
        missed.forEach(this::deliver);
    }

    /** Nobody here follows {@code channel} any more. */
    void forget(String channel) {
        hub.forget(channel);
    }

    /**
     * The channel's last id; for a channel with none (never published, or expired), just before the
     * shard's clock now: every later publish there gets a later id, and a client placed there has
     * missed nothing (an id of 0 would look older than any history and be told it may have).
     */
    private EventId lastIssued(String channel) {
        Object answer = cluster.eval(LAST_ISSUED, List.of(RedisStreams.Layout.CLUSTER.lastId(channel)), List.of());
        String last = answer instanceof byte[] bytes ? SafeEncoder.encode(bytes) : String.valueOf(answer);
        try {
            return EventId.parse(last);
        } catch (IllegalArgumentException e) {
            LOG.warning("the last id of channel '" + channel + "' in Redis is not an id: " + e.getMessage());
            return EventId.ZERO;
        }
    }

    /**
     * A shard that failed over may have lost what its old master acknowledged (replication is
     * asynchronous), and this node may have delivered some of it live. If the shard's last id is
     * behind what this node delivered, it did: its last id is moved up (new ids come after the lost
     * ones) and so is the channel's trim floor, so a client resuming from before the loss is told its
     * replay may have a gap (the history-truncated signal).
     */
    private void noteLostWrites(String channel, EventId delivered) {
        RedisStreams.Layout layout = RedisStreams.Layout.CLUSTER;
        Object moved = cluster.eval(LOST_WRITES, List.of(layout.lastId(channel), layout.floor(channel)),
                List.of(delivered.streamId()));
        if (Long.valueOf(1).equals(moved)) {
            lostWrites.increment();
            LOG.warning("channel '" + channel + "': its shard has no record of messages this node delivered, up to "
                    + delivered.streamId() + " (acknowledged by a master that failed before replicating them);"
                    + " clients resuming from before them are told their replay may have a gap");
        }
    }

    /** Times a shard was found to have lost messages this node had delivered (see {@link #noteLostWrites}). */
    long lostWrites() {
        return lostWrites.sum();
    }

    /** One message as a shard sent it ({@code SMESSAGE}). */
    void message(String channel, String payload) {
        RedisEnvelope.Message api = RedisEnvelope.parse(channel, payload);
        if (api != null) {
            if (api.id().millis() <= System.currentTimeMillis() + MAX_AHEAD_MILLIS) {
                if (RedisDelivery.tooLarge(api.data(), maxMessageBytes)) {
                    rejected.count(RejectedMessages.Reason.TOO_LARGE, channel);
                    return;
                }
                deliver(EventStreamCodec.event(api.id(), List.of(channel), api.type(), api.data()));
                return;
            }
            rejected.count(RejectedMessages.Reason.UNISSUED, channel);
        } else if (RedisEnvelope.claimsToBeOne(payload)) {
            rejected.count(RejectedMessages.Reason.MALFORMED, channel);
        }
        if (RedisDelivery.tooLarge(payload, maxMessageBytes)) {
            rejected.count(RejectedMessages.Reason.TOO_LARGE, channel);
            return;
        }
        EventId after = hub.latest(channel);
        if (after != null) {
            deliver(EventStreamCodec.event(after.withLocal(after.local() + 1), List.of(channel), null, payload));
        }
    }

    /** Nothing here may end a shard's thread, or the node would stop hearing that shard. */
    private void deliver(Event event) {
        RedisDelivery.deliver(hub, event);
    }
}
