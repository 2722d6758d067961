package io.ssebroadcaster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server started as its own OS process from the test class path (tests that need a signal, or a
 * heap of their own), with its output in a log file: where it listens, and the end of its log for
 * failure messages.
 */
public final class ChildServer {

    private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)/");

    private ChildServer() {
    }

    /** The port the process says it listens on, waiting up to 60 s for the start-up line. */
    public static int awaitPort(Process process, Path log) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            Matcher m = LISTENING.matcher(Files.readString(log, StandardCharsets.UTF_8));
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
            if (!process.isAlive()) {
                throw new AssertionError("server exited with " + process.exitValue() + " before listening:\n" + tail(log));
            }
            Thread.sleep(20); // polling the log file for the start-up line
        }
        throw new AssertionError("server not listening after 60 s:\n" + tail(log));
    }

    /** The last 4,000 characters of the log. */
    public static String tail(Path log) {
        try {
            String s = Files.readString(log, StandardCharsets.UTF_8);
            return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
