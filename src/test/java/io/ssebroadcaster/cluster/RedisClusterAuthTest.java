package io.ssebroadcaster.cluster;

import io.ssebroadcaster.Http;
import io.ssebroadcaster.RedisCluster;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.SseClient;
import io.ssebroadcaster.TestServers;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** A cluster whose nodes require a password: the seeds' URL carries it, to every node found. */
class RedisClusterAuthTest {

    @Test
    void thePasswordInTheSeedUrlReachesEveryNodeAndAWrongOneIsNotReady() {
        try (RedisCluster cluster = RedisCluster.start("s3cret")) {
            String seed = "127.0.0.1:" + cluster.ports().getFirst();
            SseBroadcaster node = TestServers.start("--redis-cluster", "redis://:s3cret@" + seed);
            SseBroadcaster wrong = TestServers.start("--redis-cluster", "redis://:nope@" + seed);
            try (SseClient sub = SseClient.open(node.port(), "channels=a&channels=b&channels=c")) {
                sub.awaitComments(1);
                for (String ch : List.of("a", "b", "c")) { // a, b and c live on three different masters
                    Http.publish(node.port(), ch, ch);
                }
                assertEquals(List.of("a", "b", "c"), sub.awaitCount(3).stream().map(SseClient.Received::data).sorted().toList());
                assertFalse(wrong.broker().isReady());
                HttpResponse<String> refused = Http.postForm(wrong.port(), "channel=a&message=m");
                assertEquals(503, refused.statusCode(), refused.body());
            } finally {
                node.close();
                wrong.close();
            }
        }
    }
}
