package io.ssebroadcaster.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What /proc and jcmd tell about the server process(es) under test and about ourselves. */
final class Proc {

    /** One match per generation (Parallel, Serial) or one for the whole heap (G1); metaspace lines do not match. */
    private static final Pattern HEAP_USED = Pattern.compile(", used (\\d+)K");
    private static final long TICKS_PER_SECOND = clockTicks();

    private Proc() {
    }

    private static long clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            p.waitFor(5, TimeUnit.SECONDS);
            return Long.parseLong(out);
        } catch (IOException | NumberFormatException | InterruptedException e) {
            return 100;
        }
    }

    /** Sum of VmRSS over {@code pids}, in KiB; -1 when none can be read. */
    static long rssKb(List<Long> pids) {
        long sum = -1;
        for (long pid : pids) {
            long kb = statusField(pid, "VmRSS:");
            if (kb >= 0) {
                sum = Math.max(sum, 0) + kb;
            }
        }
        return sum;
    }

    private static long statusField(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone or unreadable
        }
        return -1;
    }

    /** User plus system CPU time of {@code pid} (all its threads), in nanoseconds; -1 if unknown. */
    static long cpuNanos(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // the command name may contain spaces; fields after it are fixed
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
            return ticks * 1_000_000_000L / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    static long cpuNanos(List<Long> pids) {
        long sum = 0;
        for (long pid : pids) {
            long n = cpuNanos(pid);
            if (n < 0) {
                return -1;
            }
            sum += n;
        }
        return sum;
    }

    /** CPU time all processes on the machine spent busy (not idle, not waiting for I/O), in nanoseconds. */
    static long machineBusyNanos() {
        try {
            String first = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] f = first.trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                if (i != 4 && i != 5) { // idle, iowait
                    busy += Long.parseLong(f[i]);
                }
            }
            return busy * 1_000_000_000L / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    static long self() {
        return ProcessHandle.current().pid();
    }

    static boolean isJava(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "comm")).trim().equals("java");
        } catch (IOException e) {
            return false;
        }
    }

    /** Threads of {@code pid}. */
    static long threads(long pid) {
        return statusField(pid, "Threads:");
    }

    /** Runs {@code jcmd pid command}, returning its output (empty on failure). */
    static String jcmd(long pid, String... command) {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        List<String> cmd = new java.util.ArrayList<>(List.of(jcmd.toString(), Long.toString(pid)));
        cmd.addAll(List.of(command));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** Java heap in use (KiB) per {@code jcmd GC.heap_info}, optionally after a full GC; -1 if unknown. */
    static long heapUsedKb(long pid, boolean gcFirst) {
        if (gcFirst) {
            jcmd(pid, "GC.run");
        }
        Matcher m = HEAP_USED.matcher(jcmd(pid, "GC.heap_info"));
        long used = -1;
        while (m.find()) {
            used = Math.max(used, 0) + Long.parseLong(m.group(1));
        }
        return used;
    }
}
