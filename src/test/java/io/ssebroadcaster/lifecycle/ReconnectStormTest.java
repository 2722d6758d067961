package io.ssebroadcaster.lifecycle;

import io.ssebroadcaster.Await;
import io.ssebroadcaster.Http;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.TestServers;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A reconnect storm: every client of a busy server drops at once (a proxy restarts, a network
 * blips) and comes straight back. The departed must not hold the places of the returning: with
 * room for 2,500 streams, 2,000 leaving and 2,000 arriving at once all fit, and every newcomer gets
 * a working stream (a published event), not a 503 and not a refusal written into a 200 stream.
 */
class ReconnectStormTest {

    static final int CLIENTS = 2000;
    static final String CHANNEL = "storm";
    /**
     * How long each wave may take to be answered: far more than it needs (a few seconds), so that a
     * loaded machine does not fail the test; a refusal is answered at once anyway.
     */
    static final long WAVE_SECONDS = 20;

    /** What one newcomer saw. */
    record Arrival(RawSubscriber client, String problem) {
    }

    @Test
    void clientsThatAllLeaveAndComeBackAtOnceAreAllServed() throws Exception {
        long started = System.nanoTime();
        ConcurrentLinkedQueue<RawSubscriber> sockets = new ConcurrentLinkedQueue<>();
        AtomicBoolean done = new AtomicBoolean();
        try (SseBroadcaster server = TestServers.start("--max-connections", "2500", "--heartbeat", "600",
                "--refusal-retry", "500-2000");
             ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            int port = server.port();
            try {
                // The first wave, all subscribed and counted
                List<Arrival> first = wave(clients, port, sockets, done);
                System.out.printf("ReconnectStormTest: first wave answered in %d ms%n", millisSince(started));
                List<String> firstProblems = problems(first);
                assertEquals(List.of(), firstProblems.subList(0, Math.min(5, firstProblems.size())),
                        firstProblems.size() + " of the first " + CLIENTS + " clients were not served");
                Await.until(() -> Stats.of(port).stream() == CLIENTS, 10, TimeUnit.SECONDS, "the first wave counted");
                long opened = System.nanoTime();

                // All leave at once (each with a FIN: it read everything it was sent) ...
                first.forEach(a -> a.client().close());
                // ... and as many come back at once
                List<Arrival> second = wave(clients, port, sockets, done);
                long answered = System.nanoTime();
                System.out.printf("ReconnectStormTest: second wave answered %d ms after the first closed%n",
                        millisSince(opened));
                List<String> refused = problems(second);
                assertEquals(List.of(), refused.subList(0, Math.min(5, refused.size())), refused.size() + " of "
                        + CLIENTS + " newcomers were not given a stream (first five shown): " + tally(refused)
                        + "; /stats: " + Stats.of(port).connections());

                // Each newcomer's stream works: a published event reaches every one of them
                Http.publish(port, CHANNEL, "welcome-back");
                List<Future<String>> reads = new ArrayList<>();
                for (Arrival a : second) {
                    reads.add(clients.submit(() -> a.client().awaitData("welcome-back")));
                }
                List<String> missed = new ArrayList<>();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAVE_SECONDS);
                for (Future<String> read : reads) {
                    String problem = outcome(read, deadline);
                    if (problem != null) {
                        missed.add(problem);
                    }
                }
                assertEquals(List.of(), missed.subList(0, Math.min(5, missed.size())),
                        missed.size() + " of " + CLIENTS + " newcomers did not get the event (first five shown)");
                // and the departed are long forgotten (DepartureTest asks for a second; this is 2,000 at once)
                try {
                    Await.until(() -> Stats.of(port).stream() == CLIENTS, 10, TimeUnit.SECONDS, "only the newcomers counted");
                } catch (AssertionError e) {
                    throw new AssertionError("the departed first wave is still counted: /stats " + Stats.of(port).connections(), e);
                }
                System.out.printf("ReconnectStormTest: every newcomer got the event %d ms after the second wave "
                        + "was answered; %d ms in all%n", millisSince(answered), millisSince(started));
            } finally {
                done.set(true); // a client connecting from now on closes itself
                sockets.forEach(RawSubscriber::close); // also ends any read still waiting
            }
        }
    }

    /** Opens {@link #CLIENTS} streams at once; each arrival has read its response head (and, when a stream, its opening). */
    private static List<Arrival> wave(ExecutorService clients, int port, ConcurrentLinkedQueue<RawSubscriber> sockets,
                                      AtomicBoolean done) throws InterruptedException {
        List<Future<Arrival>> arriving = new ArrayList<>(CLIENTS);
        for (int i = 0; i < CLIENTS; i++) {
            arriving.add(clients.submit(() -> arrive(port, sockets, done)));
        }
        List<Arrival> arrivals = new ArrayList<>(CLIENTS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAVE_SECONDS);
        for (Future<Arrival> f : arriving) {
            try {
                arrivals.add(f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            } catch (TimeoutException e) {
                arrivals.add(new Arrival(null, "no response within " + WAVE_SECONDS + " s"));
            } catch (java.util.concurrent.ExecutionException e) {
                arrivals.add(new Arrival(null, e.getCause().toString()));
            }
        }
        return arrivals;
    }

    /**
     * One newcomer, as an EventSource behaves: a refusal (while the departed are still being
     * counted, the cap may refuse some) is answered by coming back after its {@code retry:}.
     */
    private static Arrival arrive(int port, ConcurrentLinkedQueue<RawSubscriber> sockets, AtomicBoolean done) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAVE_SECONDS);
        while (true) {
            RawSubscriber client = null;
            try {
                client = RawSubscriber.connect(port, 0, (int) TimeUnit.SECONDS.toMillis(WAVE_SECONDS + 2));
                sockets.add(client);
                if (done.get()) {
                    client.close();
                }
                RawSubscriber.Head head = client.get("/?channels=" + CHANNEL).readHead();
                if (!head.isEventStream()) {
                    client.close();
                    return new Arrival(null, "status " + head.status() + " " + head.header("content-type"));
                }
                client.readOpening();
                return new Arrival(client, null);
            } catch (RawSubscriber.Refused r) {
                client.close();
                if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(r.retryMillis) > deadline) {
                    return new Arrival(null, "refused, and its retry: falls after the wave's deadline");
                }
                try {
                    Thread.sleep(r.retryMillis); // what an EventSource does with retry:
                } catch (InterruptedException e) {
                    return new Arrival(null, e.toString());
                }
            } catch (Exception e) {
                if (client != null) {
                    client.close();
                }
                return new Arrival(null, e.toString());
            }
        }
    }

    private static long millisSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }

    private static String outcome(Future<String> read, long deadline) throws InterruptedException {
        try {
            return read.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return "no event within " + WAVE_SECONDS + " s";
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause().toString();
        }
    }

    private static List<String> problems(List<Arrival> arrivals) {
        return arrivals.stream().filter(a -> a.problem() != null).map(Arrival::problem).toList();
    }

    /** How many newcomers had each kind of problem. */
    private static Map<String, Integer> tally(List<String> problems) {
        Map<String, Integer> counts = new TreeMap<>();
        problems.forEach(p -> counts.merge(p.length() > 80 ? p.substring(0, 80) : p, 1, Integer::sum));
        return counts;
    }
}
