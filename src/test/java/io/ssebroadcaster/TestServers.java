package io.ssebroadcaster;

import io.ssebroadcaster.config.Settings;
import io.ssebroadcaster.config.SettingsLoader;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Starts real servers on free ports with the given flags. */
public final class TestServers {

    private TestServers() {
    }

    public static Settings settings(String... flags) {
        List<String> args = new ArrayList<>(List.of("--port", "0", "--listen", "127.0.0.1"));
        args.addAll(List.of(flags));
        return SettingsLoader.load(args.toArray(String[]::new), Map.of(), new PrintWriter(new StringWriter()))
                .orElseThrow();
    }

    public static SseBroadcaster start(String... flags) {
        return SseBroadcaster.create(settings(flags)).start();
    }
}
