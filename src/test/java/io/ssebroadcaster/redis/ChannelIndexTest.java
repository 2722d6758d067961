package io.ssebroadcaster.redis;

import io.ssebroadcaster.Await;
import io.ssebroadcaster.Http;
import io.ssebroadcaster.RedisServer;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.TestServers;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12, item 2: a pattern's channels are found in the channel index the publish script keeps, never
 * by scanning Redis's keyspace, and names whose streams expired leave the index.
 */
class ChannelIndexTest {

    @Test
    void aPatternReplayReadsTheIndexAndNeverScansTheKeyspace() {
        try (RedisServer redis = RedisServer.start();
             CommandHoldingProxy proxy = CommandHoldingProxy.start(redis.port());
             SseBroadcaster node = TestServers.start("--broker", "redis", "--redis-port", Integer.toString(proxy.port()))) {
            Await.until(() -> node.broker().isReady(), "node connected to Redis");
            String prefix = "idx-" + UUID.randomUUID();
            String start = Http.publish(node.port(), prefix + ".a", "start");
            Http.publish(node.port(), prefix + ".a", "one");
            Http.publish(node.port(), prefix + ".b", "two");
            Http.publish(node.port(), "elsewhere-" + prefix, "not this");
            assertEquals(List.of(prefix + ".a", prefix + ".b"),
                    List.of(redis.cli("zrangebylex", RedisStreams.CHANNEL_INDEX_KEY, "[" + prefix, "+").split("\n")));

            HttpResponse<String> poll = Http.get(node.port(), "/?transport=poll&channels=" + prefix + ".*,nothing-*"
                    + "&lastEventId=" + start);
            assertEquals(List.of("one", "two"), poll.body().lines().filter(l -> l.startsWith("data: "))
                    .map(l -> l.substring(6)).toList());
            assertEquals(0, proxy.seen("SCAN"), "no keyspace scan");
            assertTrue(proxy.seen("ZRANGEBYLEX") + proxy.seen("ZRANGE") > 0, "the index was read");
        }
    }

    @Test
    void namesWhoseStreamsExpiredLeaveTheIndex() {
        try (RedisServer redis = RedisServer.start();
             SseBroadcaster node = TestServers.start("--broker", "redis", "--redis-port", Integer.toString(redis.port()),
                     "--history-ttl", "1")) {
            String old = "old-" + UUID.randomUUID();
            Http.publish(node.port(), old, "x");
            assertEquals("0", redis.cli("zscore", RedisStreams.CHANNEL_INDEX_KEY, old));
            Await.until(() -> redis.cli("exists", RedisStreams.key(old)).equals("0"), 10, TimeUnit.SECONDS,
                    "the stream to expire");
            Await.until(() -> {
                Http.publish(node.port(), "new-" + UUID.randomUUID(), "y"); // a publish sweeps the index
                return redis.cli("zscore", RedisStreams.CHANNEL_INDEX_KEY, old).isEmpty();
            }, 10, TimeUnit.SECONDS, "the expired name to leave the index");
            assertEquals("", redis.cli("zscore", RedisStreams.CHANNEL_SEEN_KEY, old));
        }
    }
}
