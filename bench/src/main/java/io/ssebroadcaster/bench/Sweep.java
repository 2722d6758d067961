package io.ssebroadcaster.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The publish-rate sweep ({@code sweep-<rate>} runs): for each server, what it did at each offered
 * rate, the highest rate it sustained, and p99 against rate as a chart (text for the terminal,
 * Mermaid for docs/benchmark.md).
 *
 * <p>Sustained means: at least 98% of the offered rate accepted (the publishers are closed loop per
 * connection, so a server that answers slowly is offered less), nothing lost, duplicated or out of
 * order, and delivery p99 under {@link #P99_LIMIT_MS}.
 */
final class Sweep {

    static final double P99_LIMIT_MS = 20;
    private static final double ACCEPTED_SHARE = 0.98;
    private static final String PREFIX = "sweep-";

    private record Point(double offered, double accepted, double p99, long lost, long dupOoo) {
        boolean sustained() {
            return accepted >= offered * ACCEPTED_SHARE && lost == 0 && dupOoo == 0 && p99 < P99_LIMIT_MS;
        }
    }

    private Sweep() {
    }

    /** The sweep section, or "" when no sweep ran. {@code runs} maps label to server to the RESULT fields. */
    static String render(Map<String, Map<String, Map<String, String>>> runs, List<String> servers) {
        Map<String, TreeMap<Integer, Point>> byServer = new TreeMap<>();
        for (Map.Entry<String, Map<String, Map<String, String>>> e : runs.entrySet()) {
            if (!e.getKey().startsWith(PREFIX)) {
                continue;
            }
            int rate = Integer.parseInt(e.getKey().substring(PREFIX.length()));
            for (Map.Entry<String, Map<String, String>> s : e.getValue().entrySet()) {
                Map<String, String> kv = s.getValue();
                if (!"ok".equals(kv.get("status"))) {
                    continue;
                }
                byServer.computeIfAbsent(s.getKey(), k -> new TreeMap<>()).put(rate, new Point(rate,
                        num(kv, "pub_rate"), num(kv, "lat_p99_ms"), (long) num(kv, "lost"),
                        (long) (num(kv, "dup") + num(kv, "ooo"))));
            }
        }
        if (byServer.isEmpty()) {
            return "";
        }
        List<String> cols = new ArrayList<>(servers);
        cols.retainAll(byServer.keySet());
        List<Integer> rates = new ArrayList<>(byServer.values().stream()
                .flatMap(m -> m.keySet().stream()).distinct().sorted().toList());
        StringBuilder sb = new StringBuilder("\n### Publish-rate sweep (1,000 channels x 10 subscribers)\n\n");
        sb.append("A rate is sustained when at least 98% of it was accepted, nothing was lost, duplicated or reordered, "
                + "and delivery p99 stayed under ").append(fmt(P99_LIMIT_MS)).append(" ms.\n\n");
        sb.append("| offered (msg/s) |");
        for (String s : cols) {
            sb.append(' ').append(s).append(": accepted | p99 (ms) | lost |");
        }
        sb.append("\n|---:|").append("---:|---:|---:|".repeat(cols.size())).append('\n');
        for (int rate : rates) {
            sb.append("| ").append(rate).append(" |");
            for (String s : cols) {
                Point p = byServer.get(s).get(rate);
                if (p == null) {
                    sb.append(" – | – | – |");
                } else {
                    sb.append(' ').append(fmt(p.accepted())).append(" | ").append(fmt(p.p99()))
                            .append(p.sustained() ? "" : " ✗").append(" | ").append(p.lost()).append(" |");
                }
            }
            sb.append('\n');
        }
        sb.append('\n');
        for (String s : cols) {
            int best = 0;
            for (Map.Entry<Integer, Point> p : byServer.get(s).entrySet()) {
                if (p.getValue().sustained()) {
                    best = Math.max(best, p.getKey());
                }
            }
            sb.append("- highest rate sustained by ").append(s).append(": ")
                    .append(best == 0 ? "none of those offered" : best + " msg/s").append('\n');
        }
        sb.append("\n```mermaid\nxychart-beta\n    title \"Delivery p99 (ms) against offered publishes/s\"\n")
                .append("    x-axis [");
        sb.append(String.join(", ", rates.stream().map(r -> "\"" + r + "\"").toList())).append("]\n");
        sb.append("    y-axis \"p99 (ms, log10)\"\n");
        for (String s : cols) {
            // log10, so that 2 ms and 400 ms are both readable on one axis
            List<String> ys = new ArrayList<>();
            for (int rate : rates) {
                Point p = byServer.get(s).get(rate);
                ys.add(p == null ? "0" : String.format(Locale.ROOT, "%.2f", Math.log10(Math.max(0.1, p.p99()))));
            }
            sb.append("    line [").append(String.join(", ", ys)).append("]\n");
        }
        sb.append("```\n(lines in order: ").append(String.join(", ", cols)).append("; y is log10 of p99 in ms: ")
                .append("0 = 1 ms, 1 = 10 ms, 2 = 100 ms)\n\n");
        sb.append("```\n").append(textChart(byServer, cols, rates)).append("```\n");
        return sb.toString();
    }

    /** p99 on a log scale, one row per rate, one mark per server. */
    private static String textChart(Map<String, TreeMap<Integer, Point>> byServer, List<String> cols, List<Integer> rates) {
        final int width = 50;
        final double lo = -1;
        final double hi = 4; // 0.1 ms .. 10 s
        // axis labels at their decades: 0.1 ms, 1 ms, 10 ms, 100 ms, 1 s, 10 s
        char[] axis = " ".repeat(width + 8).toCharArray();
        String[] labels = {"0.1ms", "1ms", "10ms", "100ms", "1s", "10s"};
        for (int d = 0; d < labels.length; d++) {
            int at = Math.min(col(lo + d, lo, hi, width), width + 8 - labels[d].length());
            labels[d].getChars(0, labels[d].length(), axis, at);
        }
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%9s  %s%n", "msg/s",
                new String(axis).stripTrailing()));
        for (int rate : rates) {
            char[] row = " ".repeat(width).toCharArray();
            int limit = col(Math.log10(P99_LIMIT_MS), lo, hi, width);
            row[limit] = '|';
            for (int i = 0; i < cols.size(); i++) {
                Point p = byServer.get(cols.get(i)).get(rate);
                if (p != null) {
                    row[col(Math.log10(Math.max(0.1, p.p99())), lo, hi, width)] = (char) ('A' + i);
                }
            }
            sb.append(String.format(Locale.ROOT, "%9d  %s%n", rate, new String(row)));
        }
        for (int i = 0; i < cols.size(); i++) {
            sb.append("  ").append((char) ('A' + i)).append(" = ").append(cols.get(i));
        }
        return sb.append("   | = ").append(fmt(P99_LIMIT_MS)).append(" ms\n").toString();
    }

    private static int col(double v, double lo, double hi, int width) {
        return (int) Math.max(0, Math.min(width - 1, Math.round((v - lo) / (hi - lo) * (width - 1))));
    }

    private static double num(Map<String, String> kv, String key) {
        try {
            return Double.parseDouble(kv.getOrDefault(key, "0"));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.1f", v);
    }
}
