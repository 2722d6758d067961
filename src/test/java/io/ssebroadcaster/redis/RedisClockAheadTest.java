package io.ssebroadcaster.redis;

import io.ssebroadcaster.Await;
import io.ssebroadcaster.Http;
import io.ssebroadcaster.RedisServer;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.SseClient;
import io.ssebroadcaster.TestServers;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The check against forged ids from the future never refuses a real message. */
class RedisClockAheadTest {

    /**
     * A genuine id may be ahead of Redis' clock (the clock stepped back, and publish.lua goes on from
     * the last id it issued): it is still an API message. On its own Redis, as it moves the ids.
     */
    @Test
    void anIdAheadOfTheClockButIssuedIsDelivered() {
        try (RedisServer own = RedisServer.start();
             Jedis ownRaw = new Jedis("127.0.0.1", own.port());
             SseBroadcaster a = TestServers.start("--broker", "redis", "--redis-port", Integer.toString(own.port()));
             SseBroadcaster b = TestServers.start("--broker", "redis", "--redis-port", Integer.toString(own.port()));
             SseClient sub = SseClient.open(a.port(), "channels=ahead")) {
            sub.awaitComments(1);
            Await.until(() -> a.broker().isReady() && b.broker().isReady(), "connected");
            long ahead = Long.parseLong(ownRaw.time().get(0)) * 1000 + 600_000;
            ownRaw.set(RedisStreams.LAST_ID_KEY, ahead + "-0");
            assertEquals(ahead + "-1", Http.publish(b.port(), "ahead", "issued ahead"));
            assertEquals(ahead + "-2", Http.publish(b.port(), "ahead", "and the next"));
            ownRaw.publish("ahead", "raw");
            List<SseClient.Received> got = sub.awaitCount(3);
            assertEquals(List.of("issued ahead", "and the next", "raw"), got.stream().map(SseClient.Received::data).toList());
            assertEquals(List.of(ahead + "-1", ahead + "-2", ahead + "-2.1"), got.stream().map(SseClient.Received::id).toList());
            assertEquals(0, ((RedisBroker) a.broker()).rejected().count(RejectedMessages.Reason.UNISSUED));
        }
    }
}
