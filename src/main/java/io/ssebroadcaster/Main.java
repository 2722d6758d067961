package io.ssebroadcaster;

import io.helidon.logging.common.LogConfig;
import io.ssebroadcaster.config.Settings;
import io.ssebroadcaster.config.SettingsException;
import io.ssebroadcaster.config.SettingsLoader;
import io.ssebroadcaster.config.Version;
import io.ssebroadcaster.observe.ProcessFiles;

import java.io.PrintWriter;
import java.util.Optional;
import java.util.logging.Logger;

/** Command-line entry point: {@code java -jar sse-broadcaster.jar [options]}; see {@code --help}. */
public final class Main {

    private static final Logger LOG = Logger.getLogger(Main.class.getName());

    private Main() {
    }

    public static void main(String[] args) {
        LogConfig.configureRuntime(); // our one-line format from logging.properties, before anything logs
        Optional<Settings> settings;
        try {
            settings = SettingsLoader.load(args, System.getenv(), new PrintWriter(System.out, true));
        } catch (SettingsException e) {
            System.err.println("sse-broadcaster: " + e.getMessage());
            System.err.println("Try --help for the list of options.");
            System.exit(2);
            return;
        }
        if (settings.isEmpty()) {
            return; // --help or --version
        }
        ProcessFiles.configureLogging(settings.get().logging());
        ProcessFiles.writePidFile(settings.get().logging().pidfile());
        SseBroadcaster server = SseBroadcaster.create(settings.get()).start();
        if (!server.isRunning()) {
            LOG.severe("could not start listening on " + settings.get().listen() + ":" + settings.get().port()
                    + " (port in use?); exiting");
            server.close();
            System.exit(1);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "sse-shutdown"));
        LOG.info(() -> "sse-broadcaster " + Version.current() + " listening on http://" + settings.get().listen()
                + ":" + server.port() + "/ (" + settings.get().describe() + ")");
    }
}
