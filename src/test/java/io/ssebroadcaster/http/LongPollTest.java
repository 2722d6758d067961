package io.ssebroadcaster.http;

import io.ssebroadcaster.Http;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Long polling for clients without EventSource. */
class LongPollTest {

    static SseBroadcaster server;
    static int port;

    @BeforeAll
    static void start() {
        server = TestServers.start("--poll-timeout", "1");
        port = server.port();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Parses an event-stream body into (id, data) pairs, skipping comments and fields we do not need. */
    static List<String[]> events(String body) {
        List<String[]> out = new ArrayList<>();
        for (String block : body.split("\n\n")) {
            String id = null;
            StringBuilder data = null;
            for (String line : block.split("\n")) {
                if (line.startsWith("id: ")) {
                    id = line.substring(4);
                } else if (line.startsWith("data: ")) {
                    data = data == null ? new StringBuilder(line.substring(6)) : data.append('\n').append(line.substring(6));
                }
            }
            if (data != null) {
                out.add(new String[] {id, data.toString()});
            }
        }
        return out;
    }

    @Test
    void pollWithoutEventsTimesOutWithAnEmptyOk() {
        HttpResponse<String> r = Http.get(port, "/?channels=idle-" + UUID.randomUUID() + "&transport=poll");
        assertEquals(200, r.statusCode());
        assertTrue(r.body().contains(": timeout"), r.body());
        assertTrue(events(r.body()).isEmpty());
    }

    @Test
    void xhrWithoutEventStreamAcceptIsAPoll() {
        String ch = "x-" + UUID.randomUUID();
        String first = Http.publish(port, ch, "a");
        Http.publish(port, ch, "b");
        HttpResponse<String> r = Http.get(port, "/?channels=" + ch, "X-Requested-With", "XMLHttpRequest",
                "Last-Event-ID", first);
        assertEquals(200, r.statusCode());
        assertEquals("text/event-stream; charset=utf-8", r.headers().firstValue("Content-Type").orElseThrow());
        assertTrue(r.body().contains("retry: "));
        List<String[]> got = events(r.body());
        assertEquals(1, got.size());
        assertEquals("b", got.get(0)[1]);
    }

    @Test
    void pollIsAnsweredWhenAnEventArrives() throws Exception {
        String ch = "w-" + UUID.randomUUID();
        SseBroadcaster slowPolls = TestServers.start("--poll-timeout", "30");
        try {
            List<String[]> got = new ArrayList<>();
            Thread poller = Thread.ofVirtual().start(() ->
                    got.addAll(events(Http.get(slowPolls.port(), "/?channels=" + ch + "&transport=poll").body())));
            io.ssebroadcaster.Await.until(() -> slowPolls.hub().stats().polls() == 1, "poll registered");
            Http.publish(slowPolls.port(), ch, "now");
            poller.join(10_000);
            assertFalse(poller.isAlive(), "poll should be answered long before its 30 s timeout");
            assertEquals(1, got.size());
            assertEquals("now", got.get(0)[1]);
        } finally {
            slowPolls.close();
        }
    }

    /** After a restart (ids from before it), a poll is told once, then waits like any other. */
    @Test
    void pollWithAnIdFromBeforeTheHistoryMovesOnInsteadOfSpinning() {
        String ch = "old-" + UUID.randomUUID();
        HttpResponse<String> first = Http.get(port, "/?channels=" + ch + "&transport=poll&lastEventId=1000-0");
        assertTrue(first.body().contains("sse-history-truncated"), first.body());
        String position = first.body().lines().filter(l -> l.startsWith("id: ")).reduce((a, b) -> b).orElseThrow().substring(4);
        long start = System.nanoTime();
        HttpResponse<String> second = Http.get(port, "/?channels=" + ch + "&transport=poll&lastEventId=" + position);
        assertTrue(!second.body().contains("sse-history-truncated"), second.body());
        assertTrue(System.nanoTime() - start > java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(900),
                "the second poll waited for the poll timeout (1 s) instead of answering at once");
    }

    /** Polls back to back, each with the last id it saw, while a publisher keeps going. */
    @Test
    void consecutivePollsLoseNothingAndDuplicateNothing() throws Exception {
        String ch = "p-" + UUID.randomUUID();
        int total = 300;
        String start = Http.publish(port, ch, "start");
        AtomicBoolean failed = new AtomicBoolean();
        Thread publisher = Thread.ofPlatform().start(() -> {
            try {
                for (int i = 0; i < total; i++) {
                    Http.publish(port, ch, Integer.toString(i));
                }
            } catch (RuntimeException | AssertionError e) {
                failed.set(true);
            }
        });
        List<String> got = new ArrayList<>();
        String last = start;
        int polls = 0;
        while (got.size() < total && polls < 10_000) {
            polls++;
            HttpResponse<String> r = Http.get(port, "/?channels=" + ch + "&transport=poll&lastEventId=" + last);
            assertEquals(200, r.statusCode());
            for (String[] e : events(r.body())) {
                got.add(e[1]);
                last = e[0];
            }
        }
        publisher.join();
        assertFalse(failed.get());
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            expected.add(Integer.toString(i));
        }
        assertEquals(expected, got);
        assertTrue(polls > 1, "the test should have taken several polls");
    }
}
