package io.ssebroadcaster.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the Redis processes behind the servers did during a run ({@code --redis-ports}): {@code INFO all}
 * (and {@code CLUSTER INFO} on a cluster node) of each just before publishing and after draining, and at
 * the end, while the servers are still subscribed, how many subscriptions each process has to each
 * channel ({@code PUBSUB NUMSUB} and {@code SHARDNUMSUB}: a server node is one subscriber there however
 * many clients it has). The pub/sub messages a process sent to the servers are each channel's accepted
 * publishes times its subscriptions on that process; Redis counts no deliveries itself. A first INFO
 * {@link #IDLE_SECONDS} before the second, with every subscriber open and nothing published, gives each
 * process's idle CPU (a cluster node's cron and bus heartbeats), so per-publish costs can leave it out.
 * Only 127.0.0.1 is ever contacted.
 */
final class RedisWatch {

    static final double IDLE_SECONDS = 3;

    /** One process: its port and the snapshots. */
    private static final class Node {
        final int port;
        Map<String, String> idle = Map.of();
        Map<String, String> before = Map.of();
        Map<String, String> after = Map.of();
        long[] subscriptions; // per channel, at the end
        String role = "?";

        Node(int port) {
            this.port = port;
        }

        double delta(String key) {
            return num(after, key) - num(before, key);
        }

        /** The calls of a command (commandstats), after minus before. */
        double calls(String command) {
            return calls(after, command) - calls(before, command);
        }

        private static double calls(Map<String, String> info, String command) {
            String v = info.get("cmdstat_" + command);
            if (v == null) {
                return 0;
            }
            for (String part : v.split(",")) {
                if (part.startsWith("calls=")) {
                    return Double.parseDouble(part.substring(6));
                }
            }
            return 0;
        }

        /** Microseconds spent in a command (commandstats usec), after minus before. */
        double usec(String command) {
            return field(after, command, "usec=") - field(before, command, "usec=");
        }

        private static double field(Map<String, String> info, String command, String name) {
            String v = info.get("cmdstat_" + command);
            if (v != null) {
                for (String part : v.split(",")) {
                    if (part.startsWith(name)) {
                        return Double.parseDouble(part.substring(name.length()));
                    }
                }
            }
            return 0;
        }

        double cpuSeconds() {
            return cpu(after) - cpu(before);
        }

        double idleCpuSeconds() {
            return cpu(before) - cpu(idle);
        }

        private static double cpu(Map<String, String> info) {
            return num(info, "used_cpu_sys") + num(info, "used_cpu_user");
        }
    }

    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, LongAdder> errors;
    private long idleNanos;
    private long beforeNanos;
    private long afterNanos;
    private final List<String[]> rows = new ArrayList<>(); // per process, for resultLines

    RedisWatch(List<Integer> ports, Map<String, LongAdder> errors) {
        for (int p : ports) {
            nodes.add(new Node(p));
        }
        this.errors = errors;
    }

    /** Two snapshots {@link #IDLE_SECONDS} apart (the idle CPU); call with the subscribers open, right before publishing. */
    void before() throws InterruptedException {
        idleNanos = System.nanoTime();
        for (Node n : nodes) {
            n.idle = snapshot(n.port);
        }
        Thread.sleep((long) (IDLE_SECONDS * 1000));
        for (Node n : nodes) {
            n.before = snapshot(n.port);
        }
        beforeNanos = System.nanoTime();
    }

    /** The last snapshot, and the subscriptions per channel: call after draining, while the servers still have their subscribers. */
    void after(String[] channels) {
        afterNanos = System.nanoTime();
        for (Node n : nodes) {
            n.after = snapshot(n.port);
            n.subscriptions = new long[channels.length];
            try (Socket s = connect(n.port)) {
                for (String command : List.of("NUMSUB", "SHARDNUMSUB")) {
                    if (command.equals("SHARDNUMSUB") && !"1".equals(n.after.get("cluster_enabled"))) {
                        continue;
                    }
                    for (int from = 0; from < channels.length; from += 500) {
                        List<String> args = new ArrayList<>(List.of("PUBSUB", command));
                        int to = Math.min(channels.length, from + 500);
                        args.addAll(List.of(channels).subList(from, to));
                        Object reply = call(s, args);
                        if (!(reply instanceof List<?> list)) {
                            throw new IOException("PUBSUB " + command + ": " + reply);
                        }
                        Map<String, Integer> index = new HashMap<>();
                        for (int c = from; c < to; c++) {
                            index.put(channels[c], c);
                        }
                        for (int i = 0; i + 1 < list.size(); i += 2) {
                            Integer c = index.get(String.valueOf(list.get(i)));
                            if (c != null) {
                                n.subscriptions[c] += ((Number) list.get(i + 1)).longValue();
                            }
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                errors.computeIfAbsent("redis " + n.port + " PUBSUB: " + e.getMessage(), k -> new LongAdder()).increment();
            }
        }
    }

    /**
     * The table (lines to print) and the totals put into {@code result}: per process its role, script
     * runs, publishes, messages to the servers, bytes out, CPU; then Redis CPU per publish and per message.
     */
    List<String> report(long[] perChannel, Map<String, String> result) {
        double wall = Math.max(1e-9, (afterNanos - beforeNanos) / 1e9);
        double idleWall = Math.max(1e-9, (beforeNanos - idleNanos) / 1e9);
        List<String> out = new ArrayList<>();
        double idleCpu = 0; // per second, all processes
        double totalScripts = 0;
        double totalMsgs = 0;
        double totalCpu = 0;
        double masterCpu = 0;
        double replicaCpu = 0;
        double scriptUsec = 0;
        double[] msgs = new double[nodes.size()];
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            n.role = role(n.after);
            if (n.subscriptions != null) {
                for (int c = 0; c < perChannel.length; c++) {
                    msgs[i] += perChannel[c] * n.subscriptions[c];
                }
            }
            totalScripts += scripts(n);
            totalMsgs += msgs[i];
            totalCpu += n.cpuSeconds();
            idleCpu += n.idleCpuSeconds() / idleWall;
            scriptUsec += n.usec("eval") + n.usec("evalsha") + n.usec("fcall");
            if (n.role.startsWith("replica")) {
                replicaCpu += n.cpuSeconds();
            } else {
                masterCpu += n.cpuSeconds();
            }
        }
        out.add(String.format(Locale.ROOT, "redis            %d process(es), INFO %s s apart (just before publishing, after draining); "
                        + "idle%%: CPU in the %s s before, subscribers open and nothing published",
                nodes.size(), f2(wall), f1(idleWall)));
        out.add(String.format(Locale.ROOT, "  %-16s %-17s %9s %9s %9s %11s %8s %8s %8s %7s %6s %6s %6s %6s %6s",
                "process", "role", "commands", "scripts", "publish", "msgs-to-srv", "out-MiB", "repl-MiB", "bus-in",
                "CPU-s", "%core", "idle%", "scr%", "msg%", "CPU%"));
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            double scripts = scripts(n);
            double publishes = n.calls("publish") + n.calls("spublish");
            double outMib = n.delta("total_net_output_bytes") / 1048576.0;
            double replMib = (n.delta("total_net_repl_output_bytes") + n.delta("total_net_repl_input_bytes")) / 1048576.0;
            double busIn = n.delta("cluster_stats_messages_publishshard_received")
                    + n.delta("cluster_stats_messages_publish_received");
            double cpu = n.cpuSeconds();
            double idlePct = 100 * n.idleCpuSeconds() / idleWall;
            out.add(String.format(Locale.ROOT, "  %-16s %-17s %9.0f %9.0f %9.0f %11.0f %8.1f %8.1f %8.0f %7.2f %6.1f %6.1f %6s %6s %6s",
                    "127.0.0.1:" + n.port, n.role, n.delta("total_commands_processed"), scripts, publishes, msgs[i],
                    outMib, replMib, busIn, cpu, 100 * cpu / wall, idlePct, pct(scripts, totalScripts),
                    pct(msgs[i], totalMsgs), pct(cpu, totalCpu)));
            rows.add(new String[] {
                "port=" + n.port, "role=" + n.role.replace(' ', '_'),
                "commands=" + Math.round(n.delta("total_commands_processed")), "scripts=" + Math.round(scripts),
                "publishes=" + Math.round(publishes), "msgs=" + Math.round(msgs[i]),
                "out_mib=" + f1(outMib), "repl_mib=" + f1(replMib), "bus_in=" + Math.round(busIn),
                "cpu_s=" + f2(cpu), "cpu_pct=" + f1(100 * cpu / wall), "idle_cpu_pct=" + f1(idlePct),
                "scripts_share=" + pct(scripts, totalScripts),
                "msgs_share=" + pct(msgs[i], totalMsgs), "cpu_share=" + pct(cpu, totalCpu)});
        }
        out.add(String.format(Locale.ROOT, "  %-16s %-17s %9s %9.0f %9s %11.0f %8s %8s %8s %7.2f %6.1f %6.1f",
                "all", "", "", totalScripts, "", totalMsgs, "", "", "", totalCpu, 100 * totalCpu / wall, 100 * idleCpu));
        String perPublish = totalScripts > 0 ? f1(1e6 * totalCpu / totalScripts) : "?";
        String perMsg = totalMsgs > 0 ? f1(1e6 * totalCpu / totalMsgs) : "?";
        double busyCpu = Math.max(0, totalCpu - idleCpu * wall); // what the load added to the idle CPU
        String perPublishNet = totalScripts > 0 ? f1(1e6 * busyCpu / totalScripts) : "?";
        out.add(String.format(Locale.ROOT, "redis cost       %s us CPU per publish (script run) on all Redis processes together "
                        + "(masters %s, replicas %s), %s net of the idle CPU; %s us per pub/sub message sent to a server "
                        + "(%s net); wall time inside the script %s us",
                perPublish, totalScripts > 0 ? f1(1e6 * masterCpu / totalScripts) : "?",
                totalScripts > 0 ? f1(1e6 * replicaCpu / totalScripts) : "?", perPublishNet, perMsg,
                totalMsgs > 0 ? f1(1e6 * busyCpu / totalMsgs) : "?", totalScripts > 0 ? f1(scriptUsec / totalScripts) : "?"));
        result.put("redis_procs", Integer.toString(nodes.size()));
        result.put("redis_scripts", Long.toString(Math.round(totalScripts)));
        result.put("redis_msgs", Long.toString(Math.round(totalMsgs)));
        result.put("redis_cpu_s", f2(totalCpu));
        result.put("redis_cpu_pct", f1(100 * totalCpu / wall));
        result.put("redis_master_cpu_pct", f1(100 * masterCpu / wall));
        result.put("redis_replica_cpu_pct", f1(100 * replicaCpu / wall));
        result.put("redis_us_per_publish", perPublish);
        result.put("redis_us_per_msg", perMsg);
        result.put("redis_idle_cpu_pct", f1(100 * idleCpu));
        result.put("redis_us_per_publish_net", perPublishNet);
        double busiest = 0;
        double busiestShare = 0;
        for (int i = 0; i < nodes.size(); i++) {
            busiest = Math.max(busiest, nodes.get(i).cpuSeconds());
            busiestShare = Math.max(busiestShare, totalMsgs > 0 ? msgs[i] / totalMsgs : 0);
        }
        result.put("redis_busiest_cpu_pct", f1(100 * busiest / wall));
        result.put("redis_busiest_msgs_share", f1(100 * busiestShare));
        return out;
    }

    /** One "REDIS label=.. server=.. port=.. ..." line per process, for the result file (see {@link Table}). */
    List<String> resultLines(String label, String server) {
        List<String> out = new ArrayList<>();
        for (String[] row : rows) {
            out.add("REDIS label=" + label + " server=" + server + " " + String.join(" ", row));
        }
        return out;
    }

    private static double scripts(Node n) {
        return n.calls("eval") + n.calls("evalsha") + n.calls("fcall");
    }

    private static String role(Map<String, String> info) {
        if (!"1".equals(info.get("cluster_enabled"))) {
            return "single";
        }
        if ("slave".equals(info.get("role"))) {
            return "replica of " + info.getOrDefault("master_port", "?");
        }
        return "master";
    }

    private static String pct(double part, double total) {
        return total > 0 ? f1(100 * part / total) : "-";
    }

    private static String f1(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String f2(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static double num(Map<String, String> info, String key) {
        String v = info.get(key);
        if (v == null) {
            return 0;
        }
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** INFO all, plus CLUSTER INFO on a cluster node, as one key-value map (empty when unreachable). */
    private Map<String, String> snapshot(int port) {
        Map<String, String> out = new LinkedHashMap<>();
        try (Socket s = connect(port)) {
            parseInfo(String.valueOf(call(s, List.of("INFO", "all"))), out);
            if ("1".equals(out.get("cluster_enabled"))) {
                parseInfo(String.valueOf(call(s, List.of("CLUSTER", "INFO"))), out);
            }
        } catch (IOException | RuntimeException e) {
            errors.computeIfAbsent("redis " + port + " INFO: " + e.getMessage(), k -> new LongAdder()).increment();
        }
        return out;
    }

    private static void parseInfo(String text, Map<String, String> out) {
        for (String line : text.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("#")) {
                out.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
    }

    private static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.setSoTimeout(10_000);
        s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        return s;
    }

    /** Sends one command (RESP array of bulk strings) and reads its reply. */
    private static Object call(Socket s, List<String> args) throws IOException {
        StringBuilder req = new StringBuilder().append('*').append(args.size()).append("\r\n");
        for (String a : args) {
            byte[] b = a.getBytes(StandardCharsets.UTF_8);
            req.append('$').append(b.length).append("\r\n").append(a).append("\r\n");
        }
        OutputStream out = s.getOutputStream();
        out.write(req.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
        // a new buffer per call is safe: nothing is pipelined, so nothing after this reply can be read ahead
        return read(new BufferedInputStream(s.getInputStream(), 65536));
    }

    private static Object read(InputStream in) throws IOException {
        int type = in.read();
        String line = line(in);
        switch (type) {
            case '+':
                return line;
            case '-':
                return "ERR " + line;
            case ':':
                return Long.parseLong(line);
            case '$': {
                int len = Integer.parseInt(line);
                if (len < 0) {
                    return null;
                }
                byte[] b = in.readNBytes(len + 2);
                return new String(b, 0, len, StandardCharsets.UTF_8);
            }
            case '*': {
                int len = Integer.parseInt(line);
                List<Object> list = new ArrayList<>();
                for (int i = 0; i < len; i++) {
                    list.add(read(in));
                }
                return list;
            }
            default:
                throw new IOException("unexpected reply type " + type);
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }
}
