package io.ssebroadcaster.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The load generator: opens the subscribers, publishes, waits for the deliveries, reports.
 * {@code java -jar sse-bench.jar --help} for the options; {@code bin/bench} runs the scenarios.
 */
public final class Bench {

    private final Config cfg;
    private final long t0 = System.nanoTime();
    private final long deadline;
    private final Map<String, String> result = new LinkedHashMap<>();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final StringBuilder report = new StringBuilder();
    /** Lines written to the result file before the RESULT line (REDIS lines: one per Redis process). */
    private final List<String> extraLines = new ArrayList<>();

    private Bench(Config cfg) {
        this.cfg = cfg;
        this.deadline = t0 + cfg.num("max-seconds", 180) * 1_000_000_000L;
    }

    public static void main(String[] args) throws Exception {
        Config cfg;
        try {
            cfg = Config.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("sse-bench: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (cfg.on("help")) {
            System.out.print(Config.HELP);
            return;
        }
        try {
            new Bench(cfg).run();
        } catch (IllegalArgumentException e) {
            System.err.println("sse-bench: " + e.getMessage());
            System.exit(2);
        }
        System.exit(0);
    }

    private long remainingNanos() {
        return deadline - System.nanoTime();
    }

    private void say(String format, Object... args) {
        String line = String.format(Locale.ROOT, format, args);
        System.out.println(line);
        report.append(line).append('\n');
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static String f1(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String f2(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private void run() throws Exception {
        String label = cfg.str("label", "run");
        String serverName = cfg.str("server-name", "server");
        result.put("label", label);
        result.put("server", serverName);
        startWatchdog();

        List<Endpoint> subs = cfg.urls("sub-url", "http://127.0.0.1:8888/?channels={channel}").stream()
                .map(Endpoint::parse).toList();
        List<Endpoint> pubs = cfg.urls("pub-url", "http://127.0.0.1:8888/publish").stream().map(Endpoint::parse).toList();
        if (subs.isEmpty() || pubs.isEmpty()) {
            throw new IllegalArgumentException("--sub-url and --pub-url need at least one URL");
        }
        RedisWatch redis = cfg.has("redis-ports") ? new RedisWatch(cfg.ints("redis-ports"), errors) : null;
        String format = cfg.str("pub-format", "form");
        if (!List.of("form", "raw", "json").contains(format)) {
            throw new IllegalArgumentException("--pub-format must be form, raw or json");
        }
        int batch = (int) Math.max(1, cfg.num("batch", 1));
        if (batch > 1 && !format.equals("json")) {
            throw new IllegalArgumentException("--batch above 1 needs --pub-format json");
        }
        if (batch > 1) {
            result.put("batch", Integer.toString(batch));
        }
        int n = (int) cfg.num("subscribers", 1000);
        int channelCount = (int) Math.max(1, cfg.num("channels", 1));
        String prefix = cfg.str("channel-prefix", "bench-" + Long.toString(System.nanoTime() % 1_000_000_007L, 36));
        String[] channels = new String[channelCount];
        for (int c = 0; c < channelCount; c++) {
            channels[c] = prefix + "-" + c;
        }
        int threads = (int) cfg.num("threads", Runtime.getRuntime().availableProcessors());
        int sourceCount = (int) cfg.num("source-addrs", Math.max(1, (n + 4999) / 5000));
        InetAddress[] sources = new InetAddress[sourceCount];
        byte[] first = InetAddress.getByName(cfg.str("source-start", "127.0.0.2")).getAddress();
        if (first.length != 4 || first[0] != 127) {
            throw new IllegalArgumentException("--source-start must be in 127.0.0.0/8");
        }
        int base = ((first[1] & 0xff) << 16) | ((first[2] & 0xff) << 8) | (first[3] & 0xff);
        for (int i = 0; i < sourceCount; i++) {
            int a = base + i;
            sources[i] = InetAddress.getByAddress(new byte[] {127, (byte) (a >> 16), (byte) (a >> 8), (byte) a});
        }
        boolean idle = cfg.has("idle-seconds");
        double rate = cfg.dbl("rate", 2);
        double duration = cfg.dbl("duration", 10);
        int publisherCount = (int) Math.max(1, cfg.num("publishers", 1));
        int capacity;
        if (idle) {
            capacity = 1;
        } else if (rate > 0) {
            capacity = (int) Math.min(cfg.num("messages", Long.MAX_VALUE), (long) Math.ceil(rate * duration) + 1);
        } else {
            capacity = (int) cfg.num("messages", 2_000_000);
        }
        double slowFraction = cfg.dbl("slow-fraction", 0);
        int slowStep = slowFraction > 0 ? (int) Math.max(1, Math.round(1 / slowFraction)) : 0;
        List<Long> pids = cfg.pids();
        boolean java = !pids.isEmpty() && Proc.isJava(pids.get(0));

        byte[][][] requests = new byte[subs.size()][channelCount][];
        InetSocketAddress[] targets = new InetSocketAddress[subs.size()];
        for (int t = 0; t < subs.size(); t++) {
            Endpoint sub = subs.get(t);
            targets[t] = sub.address();
            for (int c = 0; c < channelCount; c++) {
                requests[t][c] = ("GET " + sub.path(channels[c]) + " HTTP/1.1\r\nHost: " + sub.hostHeader()
                        + "\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            }
        }

        say("== %s on %s ==", label, serverName);
        say("target           subscribe %s, publish %s (%s)", String.join(" ", cfg.urls("sub-url",
                "http://127.0.0.1:8888/?channels={channel}")), String.join(" ", cfg.urls("pub-url",
                "http://127.0.0.1:8888/publish")), format);
        if (subs.size() > 1 || pubs.size() > 1) {
            say("servers          subscriber i on subscribe URL (i / %d) %% %d, publisher p on publish URL p %% %d",
                    channelCount, subs.size(), pubs.size());
        }
        say("subscribers      %d on %d channel(s) '%s-*', %d selector threads, source addresses %s..%s%s", n, channelCount,
                prefix, threads, sources[0].getHostAddress(), sources[sourceCount - 1].getHostAddress(),
                slowStep > 0 ? ", 1 in " + slowStep + " stops reading after its first event" : "");

        Semaphore permits = new Semaphore((int) cfg.num("connect-concurrency", 512));
        Loop[] loops = new Loop[threads];
        for (int i = 0; i < threads; i++) {
            loops[i] = new Loop(i, targets, sources, requests, permits, errors, capacity);
            loops[i].start();
        }

        Map<String, Long> statsBefore = stats();
        long heapBefore = -1;
        if (java && idle) {
            heapBefore = Proc.heapUsedKb(pids.get(0), true);
        }
        long rssBefore = Proc.rssKb(pids);

        // --- open
        Conn[] conns = new Conn[n];
        long openTimeout = Math.min(cfg.num("open-timeout", 60) * 1_000_000_000L, remainingNanos());
        long openStart = System.nanoTime();
        long openDeadline = openStart + openTimeout;
        int launched = 0;
        long nextProgress = openStart + 2_000_000_000L;
        for (int i = 0; i < n; i++) {
            long wait = openDeadline - System.nanoTime();
            if (wait <= 0 || !permits.tryAcquire(wait, TimeUnit.NANOSECONDS)) {
                break;
            }
            // (i / channelCount) % servers: each channel's subscribers alternate between the servers
            conns[i] = new Conn(i, i % channelCount, (i / channelCount) % subs.size(),
                    slowStep > 0 && i % slowStep == slowStep - 1);
            conns[i].admitted = true;
            loops[i % threads].open(conns[i]);
            launched++;
            if (System.nanoTime() > nextProgress) {
                System.out.printf(Locale.ROOT, "  ... %d launched, %d open%n", launched, opened(loops));
                nextProgress += 2_000_000_000L;
            }
        }
        while (opened(loops) + failed(loops) < launched && System.nanoTime() < openDeadline) {
            Thread.sleep(10);
        }
        long openedCount = opened(loops);
        long lastOpen = openStart;
        for (Conn c : conns) {
            if (c != null && c.openedNanos > lastOpen) {
                lastOpen = c.openedNanos;
            }
        }
        double openSeconds = (lastOpen - openStart) / 1e9;
        say("opened           %d of %d in %s s (%s/s), failed %d%s", openedCount, n, f2(openSeconds),
                f1(openedCount / Math.max(openSeconds, 1e-9)), failed(loops),
                launched < n ? " (open timeout: " + (n - launched) + " never started)" : "");
        result.put("subs", Integer.toString(n));
        result.put("opened", Long.toString(openedCount));
        result.put("open_s", f2(openSeconds));
        result.put("open_rate", Long.toString(Math.round(openedCount / Math.max(openSeconds, 1e-9))));

        Publisher[] publishers = new Publisher[0];
        Publisher.Messages messages = new Publisher.Messages(capacity, rate);
        long rssAfter;
        long rssPeak = -1;
        Sampler sampler = null;
        if (idle) {
            long hold = (long) (cfg.dbl("idle-seconds", 5) * 1e9);
            Thread.sleep(Math.max(0, Math.min(hold, remainingNanos() - 20_000_000_000L)) / 1_000_000);
            rssAfter = Proc.rssKb(pids);
            long heapAfter = java ? Proc.heapUsedKb(pids.get(0), true) : -1;
            double perConn = (rssAfter - rssBefore) * 1024.0 / Math.max(1, openedCount);
            say("memory           server RSS %s MiB before, %s MiB with %d idle connections: %s bytes per connection",
                    f1(rssBefore / 1024.0), f1(rssAfter / 1024.0), openedCount, Math.round(perConn));
            result.put("rss_per_conn_b", Long.toString(Math.round(perConn)));
            if (heapBefore >= 0 && heapAfter >= 0) {
                double heapPer = (heapAfter - heapBefore) * 1024.0 / Math.max(1, openedCount);
                say("                 Java heap after full GC: %s MiB before, %s MiB after: %s bytes per connection",
                        f1(heapBefore / 1024.0), f1(heapAfter / 1024.0), Math.round(heapPer));
                result.put("heap_per_conn_b", Long.toString(Math.round(heapPer)));
            }
            if (java) {
                say("                 server threads: %d", Proc.threads(pids.get(0)));
            }
        } else {
            // --- publish
            publishers = new Publisher[publisherCount];
            for (int p = 0; p < publisherCount; p++) {
                publishers[p] = new Publisher(p, pubs.get(p % pubs.size()), format, channels, messages,
                        (int) cfg.num("payload-bytes", 0), errors, batch);
            }
            if (redis != null) {
                redis.before();
            }
            long serverCpu0 = Proc.cpuNanos(pids);
            long selfCpu0 = Proc.cpuNanos(Proc.self());
            long machine0 = Proc.machineBusyNanos();
            long pubStart = System.nanoTime() + 20_000_000L;
            messages.startNanos = pubStart;
            messages.endNanos = pubStart + (long) (Math.min(duration * 1e9, remainingNanos() - 30e9));
            sampler = new Sampler(loops, publishers, pids);
            sampler.start();
            for (Publisher p : publishers) {
                p.start();
            }
            for (Publisher p : publishers) {
                p.join(Math.max(1, (messages.endNanos - System.nanoTime()) / 1_000_000 + 15_000));
            }
            messages.stop = true; // a publisher stuck on a slow answer sends nothing more
            for (Publisher p : publishers) {
                p.join(12_000);
                if (p.isAlive()) {
                    errors.computeIfAbsent("publisher still waiting for an answer at the end", k -> new LongAdder()).increment();
                }
            }
            long pubEnd = System.nanoTime();
            // --- drain
            long drainIdle = (long) (cfg.dbl("drain-idle", 3) * 1e9);
            while (remainingNanos() > 10_000_000_000L) {
                long got = unique(loops);
                if (got >= expected(conns, publishers, channelCount)) {
                    break;
                }
                long last = Math.max(pubEnd, lastDelivery(loops));
                if (System.nanoTime() - last > drainIdle) {
                    break;
                }
                Thread.sleep(20);
            }
            long endNanos = System.nanoTime();
            long serverCpu1 = Proc.cpuNanos(pids);
            long selfCpu1 = Proc.cpuNanos(Proc.self());
            long machine1 = Proc.machineBusyNanos();
            if (redis != null) {
                redis.after(channels);
            }
            sampler.halt();
            rssAfter = Proc.rssKb(pids);
            rssPeak = Math.max(sampler.rssPeak, rssAfter);
            double wall = (endNanos - pubStart) / 1e9;
            if (serverCpu0 >= 0 && serverCpu1 >= 0 && !pids.isEmpty()) {
                result.put("server_cpu_pct", Long.toString(Math.round((serverCpu1 - serverCpu0) / 1e9 / wall * 100)));
            }
            result.put("client_cpu_pct", Long.toString(Math.round((selfCpu1 - selfCpu0) / 1e9 / wall * 100)));
            if (machine0 >= 0 && machine1 >= 0 && serverCpu0 >= 0 && serverCpu1 >= 0) {
                long other = (machine1 - machine0) - (serverCpu1 - serverCpu0) - (selfCpu1 - selfCpu0);
                result.put("other_cpu_pct", Long.toString(Math.max(0, Math.round(other / 1e9 / wall * 100))));
            }
            if (slowStep > 0) {
                List<Conn> all = new ArrayList<>();
                for (Conn c : conns) {
                    if (c != null) {
                        all.add(c);
                    }
                }
                for (Loop l : loops) {
                    l.drainSlow(all);
                }
                Thread.sleep(Math.max(0, Math.min(3000, remainingNanos() / 1_000_000 - 5000)));
            }
            result.put("pub_s", f2((pubEnd - pubStart) / 1e9));
            result.put("_wall", Double.toString(wall));
            result.put("_pubwall", Double.toString((pubEnd - pubStart) / 1e9));
        }
        result.put("rss_before_kb", Long.toString(rssBefore));
        result.put("rss_after_kb", Long.toString(rssAfter));
        if (rssPeak >= 0) {
            result.put("rss_peak_kb", Long.toString(rssPeak));
        }

        // --- stop and collect (the server's counters first, while every subscriber is still connected)
        Map<String, Long> statsAfter = stats();
        for (Loop l : loops) {
            l.shutdown();
        }
        for (Loop l : loops) {
            l.join(5000);
        }
        if (!idle) {
            summarizeDeliveries(conns, loops, publishers, messages, channelCount, rate, sampler);
            if (redis != null) {
                long[] perChannel = new long[channelCount];
                for (Publisher p : publishers) {
                    for (int c = 0; c < channelCount; c++) {
                        perChannel[c] += p.seqs[c];
                    }
                }
                for (String line : redis.report(perChannel, result)) {
                    say("%s", line);
                }
                extraLines.addAll(redis.resultLines(result.get("label"), result.get("server")));
            }
        }
        long disconnects = 0;
        long slowClosed = 0;
        long slowSubs = 0;
        for (Loop l : loops) {
            disconnects += l.disconnects;
            slowClosed += l.slowClosed;
        }
        for (Conn c : conns) {
            if (c != null && c.slow && c.openedNanos > 0) {
                slowSubs++;
            }
        }
        if (!statsAfter.isEmpty()) {
            long dropped = statsAfter.getOrDefault("slowDropped", 0L) - statsBefore.getOrDefault("slowDropped", 0L);
            say("server /stats    connections.total %d at the end, deliveries +%d, slowDropped +%d, published +%d",
                    statsAfter.getOrDefault("total", -1L),
                    statsAfter.getOrDefault("deliveries", 0L) - statsBefore.getOrDefault("deliveries", 0L), dropped,
                    statsAfter.getOrDefault("published", 0L) - statsBefore.getOrDefault("published", 0L));
            result.put("server_slow_dropped", Long.toString(dropped));
        }
        if (slowSubs > 0) {
            say("slow subscribers %d stopped reading; %d of them were disconnected by the server", slowSubs, slowClosed);
            result.put("slow_subs", Long.toString(slowSubs));
            result.put("slow_closed", Long.toString(slowClosed));
        }
        say("disconnects      %d subscribers lost their stream during the run", disconnects);
        result.put("disconnects", Long.toString(disconnects));
        if (!errors.isEmpty()) {
            say("errors           %s", new TreeMap<>(toCounts(errors)));
        }
        if (!idle) {
            say("server memory    RSS %s MiB before, %s MiB after, peak %s MiB", f1(rssBefore / 1024.0),
                    f1(rssAfter / 1024.0), f1(rssPeak / 1024.0));
        }
        result.put("status", "ok");
        emit();
    }

    private static Map<String, Long> toCounts(Map<String, LongAdder> m) {
        Map<String, Long> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    private void summarizeDeliveries(Conn[] conns, Loop[] loops, Publisher[] publishers, Publisher.Messages messages,
                                     int channelCount, double rate, Sampler sampler) {
        long accepted = 0;
        long rejected = 0;
        Histogram rtt = new Histogram();
        Histogram late = new Histogram();
        for (Publisher p : publishers) {
            accepted += p.accepted;
            rejected += p.rejected;
            rtt.add(p.roundTrip);
            late.add(p.lateness);
        }
        double pubWall = Double.parseDouble(result.remove("_pubwall"));
        double wall = Double.parseDouble(result.remove("_wall"));
        say("published        %d accepted, %d rejected in %s s: %s msg/s (%s), %d publisher connection(s)%s; "
                        + "publish round trip p50 %s ms, p99 %s ms, max %s ms%s",
                accepted, rejected, f2(pubWall), f1(accepted / pubWall), rate > 0 ? "target " + f1(rate) : "closed loop",
                publishers.length, result.containsKey("batch") ? " in batches of " + result.get("batch") : "", f2(ms(rtt.quantile(0.5))), f2(ms(rtt.quantile(0.99))), f2(ms(rtt.max())),
                rate > 0 && late.count() > 0 ? ", sends behind schedule p99 " + f2(ms(late.quantile(0.99))) + " ms" : "");
        result.put("published", Long.toString(accepted));
        result.put("rejected", Long.toString(rejected));
        result.put("pub_rate", f1(accepted / pubWall));
        result.put("pub_rtt_p99_ms", f2(ms(rtt.quantile(0.99))));

        long[] perChannel = new long[channelCount];
        for (Publisher p : publishers) {
            for (int c = 0; c < channelCount; c++) {
                perChannel[c] += p.seqs[c];
            }
        }
        int[] readersPerChannel = new int[channelCount];
        long expected = 0;
        long unique = 0;
        for (Conn c : conns) {
            if (c == null || c.openedNanos == 0 || c.slow) {
                continue;
            }
            readersPerChannel[c.channel]++;
            expected += perChannel[c.channel];
            unique += c.unique;
        }
        Histogram latency = new Histogram();
        long deliveries = 0;
        long dups = 0;
        long ooo = 0;
        long unparsed = 0;
        long lastRecv = 0;
        for (Loop l : loops) {
            latency.add(l.latency);
            deliveries += l.deliveries;
            dups += l.duplicates;
            ooo += l.outOfOrder;
            unparsed += l.unparsed;
            lastRecv = Math.max(lastRecv, l.lastDeliveryNanos);
        }
        long lost = expected - unique;
        say("deliveries       expected %d, received %d (unique %d), lost %d (%s%%), duplicates %d, out of order %d%s",
                expected, deliveries, unique, lost, expected == 0 ? "0" : String.format(Locale.ROOT, "%.3f", 100.0 * lost / expected),
                dups, ooo, unparsed > 0 ? ", unparsed " + unparsed : "");
        result.put("expected", Long.toString(expected));
        result.put("received", Long.toString(unique));
        result.put("lost", Long.toString(lost));
        result.put("dup", Long.toString(dups));
        result.put("ooo", Long.toString(ooo));
        say("latency          p50 %s ms, p90 %s ms, p99 %s ms, p99.9 %s ms, max %s ms (publish sent -> event read)",
                f2(ms(latency.quantile(0.5))), f2(ms(latency.quantile(0.9))), f2(ms(latency.quantile(0.99))),
                f2(ms(latency.quantile(0.999))), f2(ms(latency.max())));
        result.put("lat_p50_ms", f2(ms(latency.quantile(0.5))));
        result.put("lat_p90_ms", f2(ms(latency.quantile(0.9))));
        result.put("lat_p99_ms", f2(ms(latency.quantile(0.99))));
        result.put("lat_max_ms", f2(ms(latency.max())));

        Histogram fanout = new Histogram();
        long complete = 0;
        long incomplete = 0;
        int sent = Math.min(messages.next.get(), messages.capacity);
        for (int m = 0; m < sent; m++) {
            int ch = messages.channelOf[m];
            if (ch < 0 || readersPerChannel[ch] == 0) {
                continue;
            }
            long got = 0;
            long last = 0;
            for (Loop l : loops) {
                got += l.recvCount[m];
                last = Math.max(last, l.lastRecv[m]);
            }
            if (got >= readersPerChannel[ch]) {
                complete++;
                fanout.record(last - messages.sentNanos[m]);
            } else {
                incomplete++;
            }
        }
        say("fan-out done     p50 %s ms, p99 %s ms, max %s ms (publish sent -> last subscriber has it; %d messages reached all, %d did not)",
                f2(ms(fanout.quantile(0.5))), f2(ms(fanout.quantile(0.99))), f2(ms(fanout.max())), complete, incomplete);
        result.put("fanout_p50_ms", f2(ms(fanout.quantile(0.5))));
        result.put("fanout_p99_ms", f2(ms(fanout.quantile(0.99))));
        result.put("fanout_max_ms", f2(ms(fanout.max())));
        result.put("incomplete_msgs", Long.toString(incomplete));

        double span = lastRecv > messages.startNanos ? (lastRecv - messages.startNanos) / 1e9 : wall;
        long peak = sampler == null ? 0 : sampler.peakDeliveries;
        say("throughput       %s deliveries/s on average (first publish -> last delivery, %s s), peak 1-s %d",
                f1(unique / Math.max(span, 1e-9)), f2(span), peak);
        result.put("deliv_per_s", Long.toString(Math.round(unique / Math.max(span, 1e-9))));
        result.put("peak_deliv_per_s", Long.toString(peak));
        say("cpu              server %s%%, client %s%%, other processes %s%% of one core while publishing and draining (%d cores)",
                result.getOrDefault("server_cpu_pct", "?"), result.getOrDefault("client_cpu_pct", "?"),
                result.getOrDefault("other_cpu_pct", "?"), Runtime.getRuntime().availableProcessors());
        if (sampler != null) {
            say("timeline         deliveries per second: %s", sampler.timeline());
            if (cfg.on("timeline")) {
                say("%s", sampler.details());
            }
        }
    }

    private static long expected(Conn[] conns, Publisher[] publishers, int channelCount) {
        long[] perChannel = new long[channelCount];
        for (Publisher p : publishers) {
            for (int c = 0; c < channelCount; c++) {
                perChannel[c] += p.seqs[c];
            }
        }
        long expected = 0;
        for (Conn c : conns) {
            if (c != null && c.openedNanos != 0 && !c.slow) {
                expected += perChannel[c.channel];
            }
        }
        return expected;
    }

    static long opened(Loop[] loops) {
        long s = 0;
        for (Loop l : loops) {
            s += l.opened;
        }
        return s;
    }

    static long failed(Loop[] loops) {
        long s = 0;
        for (Loop l : loops) {
            s += l.failed;
        }
        return s;
    }

    static long unique(Loop[] loops) {
        long s = 0;
        for (Loop l : loops) {
            s += l.uniqueSoFar;
        }
        return s;
    }

    static long lastDelivery(Loop[] loops) {
        long s = 0;
        for (Loop l : loops) {
            s = Math.max(s, l.lastDeliveryNanos);
        }
        return s;
    }

    private static final Pattern NUMBER = Pattern.compile("\"(total|deliveries|slowDropped|published)\"\\s*:\\s*(\\d+)");

    /** The counters of SSE Broadcaster's /stats, when --stats-url is given. */
    private Map<String, Long> stats() {
        Map<String, Long> out = new LinkedHashMap<>();
        if (!cfg.has("stats-url")) {
            return out;
        }
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        for (String url : cfg.urls("stats-url", "")) {
            try {
                Endpoint e = Endpoint.parse(url); // loopback check
                HttpResponse<String> res = client.send(HttpRequest.newBuilder(URI.create("http://" + e.hostHeader() + e.path("")))
                        .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
                Matcher m = NUMBER.matcher(res.body());
                Map<String, Long> one = new LinkedHashMap<>();
                while (m.find()) {
                    one.putIfAbsent(m.group(1), Long.parseLong(m.group(2)));
                }
                one.forEach((k, v) -> out.merge(k, v, Long::sum)); // several servers: their sum
            } catch (IOException | InterruptedException | RuntimeException e) {
                errors.computeIfAbsent("stats: " + e, k -> new LongAdder()).increment();
            }
        }
        return out;
    }

    private synchronized void emit() throws IOException {
        StringBuilder line = new StringBuilder("RESULT");
        result.forEach((k, v) -> line.append(' ').append(k).append('=').append(v.replace(' ', '_')));
        for (String extra : extraLines) {
            System.out.println(extra);
        }
        System.out.println(line);
        if (cfg.has("result-file")) {
            StringBuilder all = new StringBuilder();
            extraLines.forEach(extra -> all.append(extra).append('\n'));
            Files.writeString(Path.of(cfg.str("result-file", "")), all.append(line).append('\n').toString(),
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        System.out.flush();
    }

    private void startWatchdog() {
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(Math.max(1, remainingNanos() / 1_000_000));
            } catch (InterruptedException e) {
                return;
            }
            System.out.println("sse-bench: --max-seconds reached, stopping");
            result.put("status", "timeout");
            try {
                emit();
            } catch (IOException ignored) {
                // exiting anyway
            }
            Runtime.getRuntime().halt(3);
        }, "bench-watchdog");
        t.setDaemon(true);
        t.start();
    }

    /** Once a second: deliveries, publishes, server RSS and CPU. */
    private static final class Sampler extends Thread {
        private final Loop[] loops;
        private final Publisher[] publishers;
        private final List<Long> pids;
        private final List<long[]> rows = new ArrayList<>();
        private volatile boolean stop;
        volatile long rssPeak = -1;
        volatile long peakDeliveries;

        Sampler(Loop[] loops, Publisher[] publishers, List<Long> pids) {
            super("bench-sampler");
            setDaemon(true);
            this.loops = loops;
            this.publishers = publishers;
            this.pids = pids;
        }

        void halt() throws InterruptedException {
            stop = true;
            interrupt();
            join(2000);
        }

        @Override
        public void run() {
            long prevDeliv = unique(loops);
            long prevPub = 0;
            long prevCpu = Proc.cpuNanos(pids);
            long prevSelf = Proc.cpuNanos(Proc.self());
            long start = System.nanoTime();
            long next = start;
            while (!stop) {
                next += 1_000_000_000L;
                long sleep = next - System.nanoTime();
                if (sleep > 0) {
                    try {
                        Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                long d = unique(loops);
                long p = 0;
                for (Publisher pub : publishers) {
                    p += pub.accepted;
                }
                long cpu = Proc.cpuNanos(pids);
                long self = Proc.cpuNanos(Proc.self());
                long rss = Proc.rssKb(pids);
                rssPeak = Math.max(rssPeak, rss);
                long delta = d - prevDeliv;
                peakDeliveries = Math.max(peakDeliveries, delta);
                synchronized (rows) {
                    rows.add(new long[] {(System.nanoTime() - start) / 1_000_000_000L, p - prevPub, delta, rss,
                            cpu < 0 ? -1 : (cpu - prevCpu) / 10_000_000L, (self - prevSelf) / 10_000_000L});
                }
                prevDeliv = d;
                prevPub = p;
                prevCpu = cpu;
                prevSelf = self;
            }
        }

        String timeline() {
            StringBuilder sb = new StringBuilder();
            synchronized (rows) {
                for (long[] r : rows) {
                    sb.append(r[2]).append(' ');
                }
            }
            return sb.toString().trim();
        }

        String details() {
            StringBuilder sb = new StringBuilder("  second  published  deliveries  server-RSS-MiB  server-CPU%  client-CPU%\n");
            synchronized (rows) {
                for (long[] r : rows) {
                    sb.append(String.format(Locale.ROOT, "  %6d  %9d  %10d  %14.1f  %11d  %11d%n", r[0], r[1], r[2],
                            r[3] / 1024.0, r[4], r[5]));
                }
            }
            return sb.toString();
        }
    }
}
