package io.ssebroadcaster.observe;

import io.ssebroadcaster.config.Settings;
import io.ssebroadcaster.hub.Hub;
import io.ssebroadcaster.hub.HubStats;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Sends subscriber counts to Graphite, as cyclone_sse's {@code --export graphite} did: every
 * interval, one plaintext-protocol line per channel ({@code <path>.<channel> <count> <timestamp>})
 * and totals under {@code <path>.total.*}. Characters Graphite treats specially in a channel name
 * become {@code _}. A lost connection is re-opened at the next interval; an export never blocks
 * anything but its own thread.
 */
public final class GraphiteExporter implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(GraphiteExporter.class.getName());

    private final Hub hub;
    private final Settings.Export settings;
    private final ScheduledExecutorService timer;
    private Socket socket;
    private boolean failing;

    public GraphiteExporter(Hub hub, Settings.Export settings) {
        this.hub = hub;
        this.settings = settings;
        this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("sse-graphite").daemon().factory());
        long period = settings.interval().toMillis();
        timer.scheduleAtFixedRate(this::export, period, period, TimeUnit.MILLISECONDS);
    }

    static String lines(HubStats stats, String path, long epochSeconds) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Integer> e : stats.channels()) {
            sb.append(path).append('.').append(sanitize(e.getKey())).append(' ').append(e.getValue())
                    .append(' ').append(epochSeconds).append('\n');
        }
        total(sb, path, "connections", stats.streams() + stats.polls(), epochSeconds);
        total(sb, path, "streams", stats.streams(), epochSeconds);
        total(sb, path, "polls", stats.polls(), epochSeconds);
        total(sb, path, "channels", stats.channels().size(), epochSeconds);
        total(sb, path, "published", stats.published(), epochSeconds);
        total(sb, path, "deliveries", stats.deliveries(), epochSeconds);
        total(sb, path, "slow_dropped", stats.slowDropped(), epochSeconds);
        return sb.toString();
    }

    private static void total(StringBuilder sb, String path, String name, long value, long ts) {
        sb.append(path).append(".total.").append(name).append(' ').append(value).append(' ').append(ts).append('\n');
    }

    static String sanitize(String channel) {
        StringBuilder sb = new StringBuilder(channel.length());
        for (int i = 0; i < channel.length(); i++) {
            char c = channel.charAt(i);
            sb.append(Character.isLetterOrDigit(c) || c == '_' || c == '-' ? c : '_');
        }
        return sb.toString();
    }

    private void export() {
        byte[] payload = lines(hub.stats(), settings.path(), System.currentTimeMillis() / 1000)
                .getBytes(StandardCharsets.UTF_8);
        try {
            if (socket == null || socket.isClosed()) {
                socket = new Socket();
                socket.connect(new InetSocketAddress(settings.host(), settings.port()), 2000);
                socket.setSoTimeout(2000);
            }
            OutputStream out = socket.getOutputStream();
            out.write(payload);
            out.flush();
            if (failing) {
                LOG.info("graphite export to " + settings.host() + ":" + settings.port() + " works again");
                failing = false;
            }
        } catch (IOException e) {
            closeSocket();
            if (!failing) {
                LOG.warning("graphite export to " + settings.host() + ":" + settings.port() + " failed: " + e.getMessage());
                failing = true;
            }
        }
    }

    private void closeSocket() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                // already broken
            }
            socket = null;
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeSocket();
    }
}
