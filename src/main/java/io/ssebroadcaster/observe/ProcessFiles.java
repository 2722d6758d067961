package io.ssebroadcaster.observe;

import io.ssebroadcaster.config.Settings;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.FileHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/** For init-style deployments (cyclone_sse ran under twistd): log level, log file and pid file. */
public final class ProcessFiles {

    private ProcessFiles() {
    }

    /** Applies the log level and, with a log file, sends every record there instead of standard error. */
    public static void configureLogging(Settings.Logging logging) {
        Logger root = Logger.getLogger("");
        root.setLevel(logging.level());
        for (Handler h : root.getHandlers()) {
            h.setLevel(logging.level());
        }
        if (logging.logfile() == null) {
            return;
        }
        try {
            FileHandler file = new FileHandler(logging.logfile().toString(), true);
            file.setFormatter(new SimpleFormatter());
            file.setLevel(logging.level());
            for (Handler h : root.getHandlers()) {
                root.removeHandler(h);
            }
            root.addHandler(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open log file " + logging.logfile(), e);
        }
        // jedis logs through slf4j-jdk14 and Helidon through JUL: both end up in the file now
        Logger.getLogger("io.ssebroadcaster").log(Level.FINE, "logging to {0}", logging.logfile());
    }

    /** Writes our pid and removes the file when the process exits. */
    public static void writePidFile(Path pidfile) {
        if (pidfile == null) {
            return;
        }
        try {
            Files.writeString(pidfile, ProcessHandle.current().pid() + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write pid file " + pidfile, e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                Files.deleteIfExists(pidfile);
            } catch (IOException e) {
                // nothing more to do on the way out
            }
        }, "sse-pidfile"));
    }
}
