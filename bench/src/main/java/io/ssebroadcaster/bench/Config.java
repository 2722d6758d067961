package io.ssebroadcaster.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Command-line options of the load generator; {@code --help} prints them. */
final class Config {

    static final String HELP = """
            Usage: java -jar sse-bench.jar [options]

            Opens --subscribers SSE connections, waits until every one is open, publishes
            messages, and reports what arrived: losses, duplicates, order, latency, fan-out
            completion, deliveries/s and the server's memory. Targets must be loopback addresses.

            Target:
              --sub-url URLS         subscribe URL template, {channel} is replaced
                                     (default http://127.0.0.1:8888/?channels={channel}). Several
                                     servers: a comma-separated list; subscriber i uses URL
                                     (i / channels) % count, so each channel has subscribers on each
                                     server and each server about the same number
              --pub-url URLS         publish URL template (default http://127.0.0.1:8888/publish);
                                     a comma-separated list: publisher p uses URL p % count
              --pub-format F         form (channel=..&message=..), raw (body is the message, channel
                                     in the URL: Nchan) or json (default form)
              --stats-url URLS       GET after the run; connections.total, deliveries and slowDropped
                                     are picked out of the JSON (SSE Broadcaster's /stats) and summed
                                     over a comma-separated list. Optional.
              --server-pid PIDS      comma-separated pids whose RSS and CPU are reported (Nchan: the
                                     worker). A java pid also gets 'jcmd GC.heap_info' before/after.
              --redis-ports PORTS    comma-separated ports of redis-servers on 127.0.0.1 (a single one,
                                     or every node of a cluster): INFO 3 s before publishing (idle CPU),
                                     just before, and after draining; per process its role, script
                                     runs, publishes, pub/sub messages sent to the servers (each
                                     channel's publishes times its subscribers there, PUBSUB NUMSUB/
                                     SHARDNUMSUB), output bytes and CPU (INFO cpu), and Redis CPU per
                                     publish. Optional.
            Load:
              --subscribers N        SSE connections (default 1000)
              --channels C           subscriber i listens on channel i % C; each message goes to a
                                     random channel (default 1)
              --channel-prefix S     channel names are S-0, S-1, ... (default: bench-<random>)
              --rate R               messages per second in total; 0 = closed loop, each publisher
                                     sends the next as soon as the previous is answered (default 2)
              --duration S           seconds of publishing (default 10)
              --messages M           stop after M messages at most (default: rate x duration, or
                                     2,000,000 in closed loop)
              --publishers P         keep-alive publisher connections, each its own thread (default 1)
              --batch N              messages per publish request (default 1); above 1 each request is
                                     a JSON array of N publish objects (SSE Broadcaster's batch publish,
                                     needs --pub-format json), each to its own random channel
              --payload-bytes B      padding added to each message (default 0; the header is ~40 B)
              --idle-seconds S       memory mode: publish nothing, hold the connections S seconds,
                                     report RSS per connection (default: off)
              --slow-fraction F      this fraction of subscribers stops reading after its first event
                                     (tiny receive buffer); reported apart from the others
            Client:
              --threads T            selector threads reading the sockets (default: cores)
              --source-addrs K       bind subscriber sockets to K consecutive loopback addresses
                                     (default: one address per 5,000 connections)
              --source-start ADDR    the first of them (default 127.0.0.2); runs that follow each
                                     other closely can use different ones, away from TIME_WAIT
              --connect-concurrency K  connections being opened at once (default 512)
              --open-timeout S       give up opening after S seconds (default 60)
              --drain-idle S         after the last publish, wait until all expected deliveries
                                     arrived or none arrived for S seconds (default 3)
              --max-seconds S        hard limit for the whole run; the process exits by itself
                                     (default 180)
            Output:
              --label NAME           scenario name in the summary line (default run)
              --server-name NAME     server name in the summary line (default server)
              --result-file FILE     append the one-line summary (RESULT ...) to FILE too
              --timeline             print deliveries per second during the run
            """;

    private final Map<String, String> values = new LinkedHashMap<>();

    private static final List<String> FLAGS = List.of("sub-url", "pub-url", "pub-format", "stats-url",
            "server-pid", "redis-ports", "subscribers", "channels", "channel-prefix", "rate", "duration", "messages",
            "publishers", "batch", "payload-bytes", "idle-seconds", "slow-fraction", "threads", "source-addrs", "source-start",
            "connect-concurrency", "open-timeout", "drain-idle", "max-seconds", "label", "server-name",
            "result-file");
    private static final List<String> SWITCHES = List.of("timeline", "help");

    static Config parse(String[] args) {
        Config c = new Config();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument: " + a);
            }
            String name = a.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (SWITCHES.contains(name)) {
                c.values.put(name, value == null ? "true" : value);
            } else if (FLAGS.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("--" + name + " needs a value");
                    }
                    value = args[++i];
                }
                c.values.put(name, value);
            } else {
                throw new IllegalArgumentException("unknown option --" + name + " (see --help)");
            }
        }
        return c;
    }

    String str(String name, String dflt) {
        return values.getOrDefault(name, dflt);
    }

    long num(String name, long dflt) {
        String v = values.get(name);
        return v == null ? dflt : Long.parseLong(v.replace("_", "").replace(",", ""));
    }

    double dbl(String name, double dflt) {
        String v = values.get(name);
        return v == null ? dflt : Double.parseDouble(v);
    }

    boolean on(String name) {
        return Boolean.parseBoolean(values.getOrDefault(name, "false"));
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    /**
     * A comma-separated list of URLs (a comma starts a new one only before "http://", so a URL's own
     * commas stay in it).
     */
    List<String> urls(String name, String dflt) {
        List<String> out = new ArrayList<>();
        for (String u : str(name, dflt).split(",(?=http://)")) {
            if (!u.isBlank()) {
                out.add(u.trim());
            }
        }
        return out;
    }

    /** A comma-separated list of numbers (empty when the option is not given). */
    List<Integer> ints(String name) {
        List<Integer> out = new ArrayList<>();
        String v = values.get(name);
        if (v != null) {
            for (String p : v.split(",")) {
                if (!p.isBlank()) {
                    out.add(Integer.parseInt(p.trim()));
                }
            }
        }
        return out;
    }

    List<Long> pids() {
        List<Long> out = new ArrayList<>();
        String v = values.get("server-pid");
        if (v != null) {
            for (String p : v.split(",")) {
                if (!p.isBlank()) {
                    out.add(Long.parseLong(p.trim()));
                }
            }
        }
        return out;
    }
}
