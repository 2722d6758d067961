package io.ssebroadcaster.cluster;

import io.ssebroadcaster.Await;
import io.ssebroadcaster.Http;
import io.ssebroadcaster.RedisCluster;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.SseClient;
import io.ssebroadcaster.TestServers;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two nodes on a real local Redis Cluster (3 masters, 3 replicas) act as one hub. */
class RedisClusterTest extends OnClusterNodes {

    /** {@code n} fresh channel names, each owned by a different master. */
    static List<String> channelsOnDistinctShards(int n) {
        Map<Integer, String> byMaster = new HashMap<>();
        while (byMaster.size() < n) {
            String name = "c-" + UUID.randomUUID();
            byMaster.putIfAbsent(cluster.masterPortForChannel(name), name);
        }
        return List.copyOf(byMaster.values()).subList(0, n);
    }

    static List<String> data(List<SseClient.Received> events) {
        return events.stream().map(SseClient.Received::data).toList();
    }

    @Test
    void spublishOnTheOwningShardReachesTheBrowserAsIs() {
        try (SseClient sub = SseClient.open(a.port(), "channels=base")) {
            sub.awaitComments(1);
            cluster.cli(cluster.masterPortForChannel("base"), "spublish", "base", "[1, 2, 3]");
            assertEquals(List.of("[1, 2, 3]"), data(sub.awaitCount(1)));
        }
    }

    @Test
    void publishOnOneNodeReachesSubscribersOnEveryNodeOnceWithTheStreamId() {
        String ch = "c-" + UUID.randomUUID();
        try (SseClient onA = SseClient.open(a.port(), "channels=" + ch);
             SseClient onB = SseClient.open(b.port(), "channels=" + ch)) {
            onA.awaitComments(1);
            onB.awaitComments(1);
            String id = Http.publish(a.port(), ch, "hello");
            Http.publish(b.port(), ch, "back");
            assertEquals(List.of("hello", "back"), data(onA.awaitCount(2)));
            assertEquals(List.of("hello", "back"), data(onB.awaitCount(2)));
            assertEquals(id, onB.events().get(0).id());
            assertTrue(id.matches("\\d+-\\d+"), id);
        }
    }

    @Test
    void oneSubscriptionAcrossThreeShardsResumesOnTheOtherNodeWithNothingMissedOrRepeated() {
        List<String> chs = channelsOnDistinctShards(3);
        String query = "channels=" + String.join("&channels=", chs);
        String lastId;
        try (SseClient first = SseClient.open(a.port(), query)) {
            first.awaitComments(1);
            for (String ch : chs) {
                Http.publish(a.port(), ch, ch + "/1");
            }
            List<SseClient.Received> got = first.awaitCount(3);
            assertEquals(Set.of(chs.get(0) + "/1", chs.get(1) + "/1", chs.get(2) + "/1"), Set.copyOf(data(got)));
            lastId = got.getLast().id();
            assertEquals(3, lastId.split(",").length, "one position per channel: " + lastId);
        }
        // missed while away, published on the other node
        for (int i = 2; i <= 4; i++) {
            for (String ch : chs) {
                Http.publish(b.port(), ch, ch + "/" + i);
            }
        }
        try (SseClient back = SseClient.open(b.port(), query, "Last-Event-ID", lastId)) {
            List<SseClient.Received> got = back.awaitCount(9);
            for (String ch : chs) {
                assertEquals(List.of(ch + "/2", ch + "/3", ch + "/4"),
                        data(got).stream().filter(d -> d.startsWith(ch + "/")).toList(), "in order, each once");
            }
            Http.publish(a.port(), chs.get(1), "live");
            assertEquals("live", back.awaitCount(10).get(9).data());
            assertEquals(10, back.events().size(), "nothing repeated");
        }
    }

    @Test
    void resumeOnAnyNodeWhilePublishesRaceLosesAndRepeatsNothing() throws Exception {
        List<String> chs = channelsOnDistinctShards(3);
        String query = "channels=" + String.join("&channels=", chs);
        int perChannel = 60;
        String lastId;
        try (SseClient first = SseClient.open(a.port(), query)) {
            first.awaitComments(1);
            lastId = first.lastEventId(); // the place it started at, before anything was published
        }
        Thread publisher = Thread.ofVirtual().start(() -> {
            for (int i = 0; i < perChannel; i++) {
                for (String ch : chs) {
                    Http.publish((i % 2 == 0 ? a : b).port(), ch, ch + "/" + i);
                }
            }
        });
        Map<String, List<String>> seen = new HashMap<>();
        chs.forEach(ch -> seen.put(ch, new ArrayList<>()));
        int hops = 0;
        while (seen.values().stream().mapToInt(List::size).sum() < 3 * perChannel) {
            SseBroadcaster node = hops++ % 2 == 0 ? a : b;
            try (SseClient c = SseClient.open(node.port(), query, "Last-Event-ID", lastId)) {
                try {
                    c.await(e -> !e.isEmpty(), 10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (AssertionError e) {
                    throw new AssertionError("hop " + hops + " on " + (node == a ? "a" : "b") + " from " + lastId
                            + " got nothing; seen " + seen.values().stream().map(l -> l.size() + " last "
                            + (l.isEmpty() ? "-" : l.getLast()) + " dups " + (l.size() - new LinkedHashSet<>(l).size()))
                            .toList(), e);
                }
                // take what arrived so far, then leave (as a client whose network drops)
                List<SseClient.Received> got = c.events();
                for (SseClient.Received r : got) {
                    String ch = r.data().substring(0, r.data().lastIndexOf('/'));
                    seen.get(ch).add(r.data());
                    lastId = r.id();
                }
            }
            assertTrue(hops < 10_000, "made progress");
        }
        publisher.join();
        for (String ch : chs) {
            List<String> want = new ArrayList<>();
            for (int i = 0; i < perChannel; i++) {
                want.add(ch + "/" + i);
            }
            assertEquals(want, seen.get(ch), "channel " + ch + ": every message, in order, once");
        }
    }

    @Test
    void aPublishToSeveralChannelsReachesEachOnceAndIsAnsweredWithEachId() {
        List<String> chs = channelsOnDistinctShards(2);
        try (SseClient sub = SseClient.open(b.port(), "channels=" + chs.get(0) + "&channels=" + chs.get(1))) {
            sub.awaitComments(1);
            HttpResponse<String> r = Http.postForm(a.port(), "channel=" + chs.get(0) + "&channel=" + chs.get(1)
                    + "&message=both");
            assertEquals(200, r.statusCode(), r.body());
            String id = Http.json(r.body()).getString("id");
            assertEquals(2, id.split(",").length, id);
            assertEquals(List.of("both", "both"), data(sub.awaitCount(2)), "once per channel");
        }
    }

    @Test
    void aNodeStartsWhileTheClusterIsUnreachableAndSaysSo() {
        SseBroadcaster lonely = TestServers.start("--redis-cluster", "127.0.0.1:" + io.ssebroadcaster.RedisServer.freePort());
        try {
            assertEquals(false, lonely.broker().isReady());
            HttpResponse<String> pub = Http.postForm(lonely.port(), "channel=x&message=m");
            assertEquals(503, pub.statusCode(), pub.body());
            HttpResponse<String> poll = Http.get(lonely.port(), "/?channels=x&transport=poll");
            assertEquals(503, poll.statusCode(), poll.body());
            assertEquals(200, Http.get(lonely.port(), "/stats").statusCode(), "the rest of the server works");
        } finally {
            lonely.close();
        }
    }

    @Test
    void patternsAreRefusedWithAClearMessage() {
        HttpResponse<String> r = Http.get(a.port(), "/?channels=news.*");
        assertEquals(400, r.statusCode());
        assertTrue(r.body().contains("Redis Cluster"), r.body());
    }

    @Test
    void aNodeKeepsOneConnectionPerShardNotPerChannel() {
        List<String> chs = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            chs.add("many-" + UUID.randomUUID());
        }
        SseBroadcaster c = node();
        try (SseClient sub = SseClient.open(c.port(), "channels=" + String.join("&channels=", chs))) {
            sub.awaitComments(1);
            Set<Integer> masters = new LinkedHashSet<>();
            chs.forEach(ch -> masters.add(cluster.masterPortForChannel(ch)));
            assertEquals(masters.size(), ((io.ssebroadcaster.redis.ClusterBroker) c.broker()).shardConnections());
            Http.publish(a.port(), chs.get(7), "x");
            assertEquals(List.of("x"), data(sub.awaitCount(1)));
        } finally {
            c.close();
        }
    }
}
