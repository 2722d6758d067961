package io.ssebroadcaster.redis;

import io.ssebroadcaster.Await;
import io.ssebroadcaster.Http;
import io.ssebroadcaster.RedisServer;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.SseClient;
import io.ssebroadcaster.TestServers;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a channel costs in Redis is bounded: its stream keeps at most {@code --history-max-bytes}
 * (whatever {@code --history-size} allows), and its keys go away after a while without publishes
 * even with no age limit on history, unless the operator keeps them on purpose.
 */
class RedisHistoryBoundsTest {

    static SseBroadcaster node(RedisServer redis, String... flags) {
        List<String> args = new java.util.ArrayList<>(List.of("--broker", "redis", "--redis-port",
                Integer.toString(redis.port())));
        args.addAll(List.of(flags));
        SseBroadcaster node = TestServers.start(args.toArray(String[]::new));
        Await.until(() -> node.broker().isReady(), "connected to Redis");
        return node;
    }

    static long number(String reply) {
        return Long.parseLong(reply.trim());
    }

    @Test
    void aChannelStreamKeepsNoMoreThanHistoryMaxBytes() {
        long bound = 64 * 1024;
        try (RedisServer redis = RedisServer.start()) {
            SseBroadcaster node = node(redis, "--history-max-bytes", Long.toString(bound), "--max-message-bytes", "131072");
            try {
                String kilobyte = "x".repeat(1024);
                String first = Http.publish(node.port(), "big", kilobyte);
                for (int i = 1; i < 300; i++) {
                    Http.publish(node.port(), "big", kilobyte);
                }
                long length = number(redis.cli("xlen", "sse:stream:big"));
                long memory = number(redis.cli("memory", "usage", "sse:stream:big", "samples", "0"));
                assertTrue(length > 30 && length < 300, "entries kept: " + length);
                assertTrue(memory <= 2 * bound, "the stream takes " + memory + " bytes of Redis memory");
                // What the byte bound dropped is a gap a resuming client is told about
                try (SseClient sub = SseClient.open(node.port(), "channels=big", "Last-Event-ID", first)) {
                    assertEquals("true", sub.response().headers().firstValue("X-SSE-History-Truncated").orElseThrow());
                    assertEquals("sse-history-truncated", sub.awaitCount(1).get(0).event());
                }
                // A message larger than the bound is still kept, alone
                Http.publish(node.port(), "big", "y".repeat(100 * 1024));
                assertEquals(1, number(redis.cli("xlen", "sse:stream:big")));
            } finally {
                node.close();
            }
        }
    }

    /** A message to several channels counts in each stream, with its channel list; each is trimmed alone. */
    @Test
    void eachStreamOfAMultiChannelPublishIsBoundedOnItsOwn() {
        long bound = 32 * 1024;
        try (RedisServer redis = RedisServer.start()) {
            SseBroadcaster node = node(redis, "--history-max-bytes", Long.toString(bound));
            try {
                String kilobyte = "x".repeat(1024);
                for (int i = 0; i < 100; i++) {
                    assertEquals(200, Http.postForm(node.port(), "channel=m1&channel=m2&message=" + kilobyte).statusCode());
                    Http.publish(node.port(), "m2", kilobyte);
                }
                long m1 = number(redis.cli("xlen", "sse:stream:m1"));
                long m2 = number(redis.cli("xlen", "sse:stream:m2"));
                assertTrue(m1 > 20 && m1 < 32, "m1 keeps " + m1);
                assertTrue(m2 > 20 && m2 < 32, "m2 keeps " + m2);
                for (String key : List.of("sse:stream:m1", "sse:stream:m2")) {
                    long memory = number(redis.cli("memory", "usage", key, "samples", "0"));
                    assertTrue(memory <= 2 * bound, key + " takes " + memory + " bytes of Redis memory");
                }
            } finally {
                node.close();
            }
        }
    }

    @Test
    void withoutAnAgeLimitAChannelsKeysStillExpireAfterADayWithoutPublishes() {
        try (RedisServer redis = RedisServer.start()) {
            SseBroadcaster node = node(redis, "--history-ttl", "0", "--history-size", "2");
            try {
                for (int i = 0; i < 3; i++) {
                    Http.publish(node.port(), "quiet", "m" + i);
                }
                for (String key : List.of("sse:stream:quiet", "sse:floor:quiet")) {
                    long ttl = number(redis.cli("pttl", key));
                    assertTrue(ttl > 86_400_000 - 60_000 && ttl <= 86_400_000, key + " expires in " + ttl + " ms");
                }
            } finally {
                node.close();
            }
        }
    }

    @Test
    void theOperatorMayKeepChannelKeysForEver() {
        try (RedisServer redis = RedisServer.start()) {
            SseBroadcaster node = node(redis, "--history-ttl", "0", "--history-idle-expiry", "0", "--history-size", "2");
            try {
                for (int i = 0; i < 3; i++) {
                    Http.publish(node.port(), "kept", "m" + i);
                }
                assertEquals(-1, number(redis.cli("pttl", "sse:stream:kept")));
                assertEquals(-1, number(redis.cli("pttl", "sse:floor:kept")));
            } finally {
                node.close();
            }
        }
    }
}
