package io.ssebroadcaster.redis;

import io.ssebroadcaster.Await;
import io.ssebroadcaster.Http;
import io.ssebroadcaster.RedisServer;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.SseClient;
import io.ssebroadcaster.TestServers;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12, item 2: a replay that waits on Redis holds up nobody else. The node talks to Redis through
 * a proxy that holds back the commands a pattern replay uses to find its channels; while one is held,
 * a publish to an unrelated channel must reach its subscriber on the same node, before the replay
 * request is answered; and once Redis answers, the replay is the whole one, read from Redis.
 */
class ReplayOffTheLockTest {

    /** What finds a pattern's channels: the keyspace scan before issue 12, the channel index after. */
    static final String[] LOOKUPS = {"SCAN", "ZRANGE", "ZRANGEBYLEX"};

    @Test
    void aPatternReplayWaitingOnRedisHoldsUpNoOtherDelivery() throws Exception {
        try (RedisServer redis = RedisServer.start();
             CommandHoldingProxy proxy = CommandHoldingProxy.start(redis.port());
             SseBroadcaster node = TestServers.start("--broker", "redis", "--redis-port", Integer.toString(proxy.port()),
                     "--history-size", "100")) {
            Await.until(() -> node.broker().isReady(), "node connected to Redis");
            String prefix = "slow-" + UUID.randomUUID();
            String other = "other-" + UUID.randomUUID();
            for (int i = 0; i < 4; i++) {
                Http.publish(node.port(), prefix + ".a", "old-" + i);
            }
            try (SseClient unrelated = SseClient.open(node.port(), "channels=" + other)) {
                unrelated.awaitComments(1);
                proxy.hold(LOOKUPS);
                CompletableFuture<HttpResponse<String>> replay = CompletableFuture.supplyAsync(() ->
                        Http.get(node.port(), "/?channels=" + prefix + ".*&transport=poll&lastEventId=1-0"));
                Await.until(() -> proxy.held() > 0, "the replay's channel lookup to reach Redis");

                Http.publish(node.port(), other, "during");
                unrelated.await(events -> events.stream().anyMatch(e -> e.data().equals("during")));
                assertFalse(replay.isDone(), "the replay is still waiting for Redis");

                proxy.release();
                HttpResponse<String> answer = replay.get(30, TimeUnit.SECONDS);
                assertEquals(200, answer.statusCode());
                assertTrue(answer.headers().firstValue("X-SSE-History-Truncated").isEmpty(),
                        "the replay was read from Redis, not given up on: " + answer.body());
                List<String> data = answer.body().lines().filter(l -> l.startsWith("data: "))
                        .map(l -> l.substring(6)).toList();
                assertEquals(List.of("old-0", "old-1", "old-2", "old-3"), data);
            }
        }
    }
}
