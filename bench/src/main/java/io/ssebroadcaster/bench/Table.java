package io.ssebroadcaster.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns the RESULT lines that runs appended to a file into one side-by-side markdown table:
 * a row per scenario and metric, a column per server.
 * {@code java -cp sse-bench.jar io.ssebroadcaster.bench.Table results.txt}
 */
public final class Table {

    private record Metric(String key, String title) {
    }

    private static final List<Metric> FANOUT = List.of(
            new Metric("opened", "subscribers open"),
            new Metric("open_rate", "open rate (connections/s)"),
            new Metric("pub_rate", "publishes accepted (msg/s)"),
            new Metric("fanout_p50_ms", "fan-out completion p50 (ms)"),
            new Metric("fanout_p99_ms", "fan-out completion p99 (ms)"),
            new Metric("lat_p50_ms", "delivery latency p50 (ms)"),
            new Metric("lat_p99_ms", "delivery latency p99 (ms)"),
            new Metric("lat_max_ms", "delivery latency max (ms)"),
            new Metric("lost", "lost deliveries"),
            new Metric("dup+ooo", "duplicates / out of order"),
            new Metric("disconnects", "subscribers disconnected"),
            new Metric("server_cpu_pct", "server CPU (% of a core)"),
            new Metric("client_cpu_pct", "load generator CPU (%)"),
            new Metric("other_cpu_pct", "other processes CPU (%)"),
            new Metric("rss_peak_mib", "server RSS peak (MiB)"));
    private static final List<Metric> THROUGHPUT = List.of(
            new Metric("opened", "subscribers open"),
            new Metric("pub_rate", "publishes accepted (msg/s)"),
            new Metric("rejected", "publishes rejected"),
            new Metric("pub_rtt_p99_ms", "publish round trip p99 (ms)"),
            new Metric("deliv_per_s", "deliveries/s (average)"),
            new Metric("peak_deliv_per_s", "deliveries/s (best second)"),
            new Metric("expected", "deliveries expected"),
            new Metric("lost", "lost deliveries"),
            new Metric("incomplete_msgs", "messages not reaching everyone"),
            new Metric("disconnects", "subscribers disconnected"),
            new Metric("server_slow_dropped", "server slowDropped"),
            new Metric("lat_p50_ms", "delivery latency p50 (ms)"),
            new Metric("lat_p99_ms", "delivery latency p99 (ms)"),
            new Metric("server_cpu_pct", "server CPU (% of a core)"),
            new Metric("client_cpu_pct", "load generator CPU (%)"),
            new Metric("other_cpu_pct", "other processes CPU (%)"),
            new Metric("rss_peak_mib", "server RSS peak (MiB)"));
    private static final List<Metric> MEMORY = List.of(
            new Metric("opened", "idle connections open"),
            new Metric("open_rate", "open rate (connections/s)"),
            new Metric("rss_before_mib", "server RSS before (MiB)"),
            new Metric("rss_after_mib", "server RSS with connections (MiB)"),
            new Metric("rss_per_conn_b", "RSS per connection (bytes)"),
            new Metric("heap_per_conn_b", "live Java heap per connection (bytes)"));
    private static final List<Metric> CHANNELS = List.of(
            new Metric("opened", "subscribers open"),
            new Metric("pub_rate", "publishes accepted (msg/s)"),
            new Metric("rejected", "publishes rejected"),
            new Metric("lat_p50_ms", "delivery latency p50 (ms)"),
            new Metric("lat_p99_ms", "delivery latency p99 (ms)"),
            new Metric("lat_max_ms", "delivery latency max (ms)"),
            new Metric("lost", "lost deliveries"),
            new Metric("dup+ooo", "duplicates / out of order"),
            new Metric("server_cpu_pct", "server CPU (% of a core)"),
            new Metric("client_cpu_pct", "load generator CPU (%)"),
            new Metric("other_cpu_pct", "other processes CPU (%)"));
    private static final List<Metric> SLOW = List.of(
            new Metric("opened", "subscribers open"),
            new Metric("slow_subs", "of which not reading"),
            new Metric("pub_rate", "publishes accepted (msg/s)"),
            new Metric("lat_p50_ms", "others' latency p50 (ms)"),
            new Metric("lat_p99_ms", "others' latency p99 (ms)"),
            new Metric("lost", "others' lost deliveries"),
            new Metric("slow_closed", "non-readers disconnected by the server"),
            new Metric("server_slow_dropped", "server slowDropped"),
            new Metric("server_cpu_pct", "server CPU (% of a core)"),
            new Metric("other_cpu_pct", "other processes CPU (%)"),
            new Metric("rss_peak_mib", "server RSS peak (MiB)"));
    private static final List<Metric> LATENCY = List.of(
            new Metric("opened", "subscribers open"),
            new Metric("pub_rate", "publishes accepted (msg/s)"),
            new Metric("lat_p50_ms", "delivery latency p50 (ms)"),
            new Metric("lat_p90_ms", "delivery latency p90 (ms)"),
            new Metric("lat_p99_ms", "delivery latency p99 (ms)"),
            new Metric("fanout_p50_ms", "fan-out completion p50 (ms)"),
            new Metric("lost", "lost deliveries"),
            new Metric("server_cpu_pct", "server CPU (% of a core)"),
            new Metric("other_cpu_pct", "other processes CPU (%)"));

    /** Two SSE Broadcaster nodes on one Redis (sse-redis) or on a 3-master cluster (sse-cluster). */
    private static final List<Metric> CLUSTER = List.of(
            new Metric("opened", "subscribers open (both nodes)"),
            new Metric("pub_rate", "publishes accepted (msg/s)"),
            new Metric("rejected", "publishes rejected"),
            new Metric("lat_p50_ms", "delivery latency p50 (ms)"),
            new Metric("lat_p99_ms", "delivery latency p99 (ms)"),
            new Metric("lat_max_ms", "delivery latency max (ms)"),
            new Metric("lost", "lost deliveries"),
            new Metric("dup+ooo", "duplicates / out of order"),
            new Metric("server_cpu_pct", "both nodes' CPU (% of a core)"),
            new Metric("redis_procs", "Redis processes"),
            new Metric("redis_cpu_pct", "Redis CPU, all processes (% of a core)"),
            new Metric("redis_master_cpu_pct", "of which masters / the single Redis (%)"),
            new Metric("redis_replica_cpu_pct", "of which replicas (%)"),
            new Metric("redis_busiest_cpu_pct", "busiest Redis process CPU (% of a core)"),
            new Metric("redis_busiest_msgs_share", "busiest process's share of pub/sub messages (%)"),
            new Metric("redis_idle_cpu_pct", "Redis CPU idle, before publishing (% of a core)"),
            new Metric("redis_us_per_publish", "Redis CPU per publish (us)"),
            new Metric("redis_us_per_publish_net", "Redis CPU per publish, net of idle (us)"),
            new Metric("redis_us_per_msg", "Redis CPU per message sent to a node (us)"),
            new Metric("client_cpu_pct", "load generator CPU (%)"),
            new Metric("other_cpu_pct", "other processes CPU (%, Redis included)"));

    private Table() {
    }

    private static List<Metric> metricsFor(String label) {
        if (label.startsWith("cluster")) {
            return CLUSTER;
        }
        if (label.startsWith("throughput")) {
            return THROUGHPUT;
        }
        if (label.startsWith("memory")) {
            return MEMORY;
        }
        if (label.startsWith("channels") || label.startsWith("batch") || label.startsWith("sweep")) {
            return CHANNELS;
        }
        if (label.startsWith("slow")) {
            return SLOW;
        }
        if (label.startsWith("latency")) {
            return LATENCY;
        }
        return FANOUT;
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: Table RESULTS_FILE");
            System.exit(2);
        }
        System.out.print(render(Files.readAllLines(Path.of(args[0]))));
    }

    static String render(List<String> lines) {
        Map<String, Map<String, Map<String, String>>> byLabel = new LinkedHashMap<>();
        Set<String> servers = new LinkedHashSet<>();
        List<Map<String, String>> redis = new ArrayList<>();
        for (String line : lines) {
            if (line.startsWith("REDIS ")) {
                redis.add(fields(line.substring(6)));
                continue;
            }
            if (!line.startsWith("RESULT ")) {
                continue;
            }
            Map<String, String> kv = fields(line.substring(7));
            derive(kv);
            String label = kv.getOrDefault("label", "run");
            String server = kv.getOrDefault("server", "server");
            servers.add(server);
            byLabel.computeIfAbsent(label, k -> new LinkedHashMap<>()).put(server, kv);
        }
        List<String> cols = new ArrayList<>(servers);
        StringBuilder sb = new StringBuilder("| scenario | metric |");
        for (String s : cols) {
            sb.append(' ').append(s).append(" |");
        }
        sb.append("\n|---|---|");
        sb.append("---:|".repeat(cols.size())).append('\n');
        for (Map.Entry<String, Map<String, Map<String, String>>> e : byLabel.entrySet()) {
            List<Metric> metrics = new ArrayList<>(metricsFor(e.getKey()));
            boolean anyBad = e.getValue().values().stream().anyMatch(kv -> !"ok".equals(kv.get("status")));
            if (anyBad) {
                metrics.add(0, new Metric("status", "run status"));
            }
            boolean first = true;
            for (Metric m : metrics) {
                boolean present = e.getValue().values().stream().anyMatch(kv -> kv.containsKey(m.key()));
                if (!present) {
                    continue;
                }
                sb.append("| ").append(first ? "**" + e.getKey() + "**" : "").append(" | ").append(m.title()).append(" |");
                for (String s : cols) {
                    Map<String, String> kv = e.getValue().get(s);
                    String v = kv == null ? null : kv.get(m.key());
                    sb.append(' ').append(v == null ? "–" : v).append(" |");
                }
                sb.append('\n');
                first = false;
            }
        }
        return sb.append(Sweep.render(byLabel, cols)).append(renderRedis(redis)).toString();
    }

    private static Map<String, String> fields(String line) {
        Map<String, String> kv = new LinkedHashMap<>();
        for (String part : line.trim().split(" ")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                kv.put(part.substring(0, eq), part.substring(eq + 1));
            }
        }
        return kv;
    }

    /** The per-process Redis table (REDIS lines, written by runs with --redis-ports), or "" without any. */
    private static String renderRedis(List<Map<String, String>> rows) {
        if (rows.isEmpty()) {
            return "";
        }
        String[][] cols = {
            {"label", "scenario"}, {"server", "server"}, {"port", "Redis process"}, {"role", "role"},
            {"scripts", "publish scripts run"}, {"publishes", "(S)PUBLISH"}, {"msgs", "messages sent to nodes"},
            {"out_mib", "output (MiB)"}, {"repl_mib", "replication (MiB)"}, {"bus_in", "bus publishes in"},
            {"cpu_s", "CPU (s)"}, {"cpu_pct", "CPU (% of a core)"}, {"idle_cpu_pct", "idle CPU (%)"},
            {"msgs_share", "share of messages (%)"},
            {"cpu_share", "share of Redis CPU (%)"}};
        StringBuilder sb = new StringBuilder("\n### Redis processes\n\n|");
        for (String[] c : cols) {
            sb.append(' ').append(c[1]).append(" |");
        }
        sb.append("\n|---|---|---|---|").append("---:|".repeat(cols.length - 4)).append('\n');
        for (Map<String, String> r : rows) {
            sb.append('|');
            for (String[] c : cols) {
                sb.append(' ').append(r.getOrDefault(c[0], "–").replace('_', ' ')).append(" |");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static void derive(Map<String, String> kv) {
        mib(kv, "rss_peak_kb", "rss_peak_mib");
        mib(kv, "rss_before_kb", "rss_before_mib");
        mib(kv, "rss_after_kb", "rss_after_mib");
        if (kv.containsKey("dup") || kv.containsKey("ooo")) {
            kv.put("dup+ooo", kv.getOrDefault("dup", "0") + " / " + kv.getOrDefault("ooo", "0"));
        }
    }

    private static void mib(Map<String, String> kv, String from, String to) {
        String v = kv.get(from);
        if (v != null) {
            try {
                long kb = Long.parseLong(v);
                if (kb >= 0) {
                    kv.put(to, String.format(Locale.ROOT, "%.1f", kb / 1024.0));
                }
            } catch (NumberFormatException ignored) {
                // left out
            }
        }
    }
}
