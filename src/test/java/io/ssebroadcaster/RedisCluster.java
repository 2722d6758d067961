package io.ssebroadcaster;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real local Redis Cluster for tests: 3 masters + 3 replicas of redis-server on free ports, without
 * persistence. Nodes can be killed (kill -9), fail over, restart and have slots migrated between them.
 * Every change waits until all live nodes agree on the cluster again (see {@link #settled()}).
 * Logs stay in target/redis-cluster-PORT.log, node dirs (with nodes-PORT.conf) in target/redis-cluster-PORT-*.
 */
public final class RedisCluster implements AutoCloseable {

    public static final int SLOTS = 16384;
    private static final int NODES = 6;
    /** The cluster bus listens on port + 10000, which must stay a valid port too. */
    private static final int BUS_OFFSET = 10000;
    private static final int NODE_TIMEOUT_MS = 2000;

    private final List<Integer> ports = new ArrayList<>();
    private final Map<Integer, Path> dirs = new HashMap<>();
    private final Map<Integer, Process> processes = new ConcurrentHashMap<>();
    /** A slot each killed master owned, to recognise its successor in {@link #awaitFailover(int)}. */
    private final Map<Integer, Integer> slotOfKilled = new HashMap<>();
    /** A test JVM that dies without close() must not leave six redis-servers behind. */
    private final Thread reaper = new Thread(this::killAll, "redis-cluster-reaper");

    /** Every node's password ({@code requirepass} and {@code masterauth}), or null for none. */
    private final String password;

    private RedisCluster(String password) {
        this.password = password;
        Runtime.getRuntime().addShutdownHook(reaper);
    }

    /** Starts 3 masters with one replica each and waits until the whole cluster is ok and in agreement. */
    public static RedisCluster start() {
        return start(null);
    }

    /** The same, every node requiring {@code password} (of clients and of each other). */
    public static RedisCluster start(String password) {
        RedisCluster c = new RedisCluster(password);
        try {
            Set<Integer> taken = new HashSet<>();
            for (int i = 0; i < NODES; i++) {
                c.ports.add(c.launchOnSomeFreePort(taken));
            }
            List<String> create = new ArrayList<>(List.of("redis-cli"));
            create.addAll(c.auth());
            create.addAll(List.of("--cluster", "create"));
            c.ports.forEach(p -> create.add("127.0.0.1:" + p));
            create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
            String out = run(create, 60);
            if (!out.contains("All 16384 slots covered")) {
                throw new IllegalStateException("redis-cli --cluster create failed:\n" + out);
            }
            Await.until(c::settled, 30, TimeUnit.SECONDS, "redis cluster " + c.ports + " to be ok");
            return c;
        } catch (RuntimeException | Error e) {
            c.close();
            throw e;
        }
    }

    /** All six ports, including killed nodes. */
    public List<Integer> ports() {
        return List.copyOf(ports);
    }

    /** The masters currently serving slots, as the cluster sees them now (failover and migration change it). */
    public List<Integer> masterPorts() {
        return Arrays.stream(owners(nodes(anyLive()))).distinct().sorted().boxed().toList();
    }

    /** "127.0.0.1:P1,...,127.0.0.1:P6", all six nodes, for a client's seed list. */
    public String seeds() {
        return ports.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    }

    /** The hash slot of a key or sharded channel, as Redis computes it (hash tags included). */
    public int slotOf(String key) {
        return Integer.parseInt(cli(anyLive(), "cluster", "keyslot", key));
    }

    /** The master that currently owns the slot of this key or sharded channel. */
    public int masterPortForChannel(String name) {
        return masterPortForSlot(slotOf(name));
    }

    public int masterPortForSlot(int slot) {
        return owners(nodes(anyLive()))[slot];
    }

    public String nodeId(int port) {
        return cli(port, "cluster", "myid");
    }

    /** Runs redis-cli -p port args..., e.g. {@code cli(p, "-c", "get", "k")}; stdout and stderr, trimmed. */
    public String cli(int port, String... args) {
        List<String> cmd = new ArrayList<>(List.of("redis-cli", "-p", Integer.toString(port)));
        cmd.addAll(auth());
        cmd.addAll(List.of(args));
        return run(cmd, 10);
    }

    /**
     * Waits until every live replica has all its master had written when this was called, so a failover
     * loses none of it. (WAIT cannot do this through {@link #cli}: it waits for the writes of its own
     * connection, and each cli call is a new connection, so WAIT there returns at once.)
     */
    public void awaitReplicated() {
        Map<Integer, Long> written = new HashMap<>();
        for (int port : processes.keySet()) {
            String info = cli(port, "info", "replication");
            if (info.contains("role:master")) {
                written.put(port, Long.parseLong(field(info, "master_repl_offset")));
            }
        }
        Await.until(() -> processes.keySet().stream().allMatch(port -> {
            String info = cli(port, "info", "replication");
            if (!info.contains("role:slave")) {
                return true;
            }
            Long target = written.get(Integer.parseInt(field(info, "master_port")));
            return target == null || Long.parseLong(field(info, "slave_repl_offset")) >= target;
        }), 10, TimeUnit.SECONDS, "replicas to catch up with " + written);
    }

    private static String field(String info, String name) {
        return info.lines().filter(l -> l.startsWith(name + ":")).findFirst()
                .map(l -> l.substring(name.length() + 1).trim())
                .orElseThrow(() -> new IllegalStateException("no " + name + " in\n" + info));
    }

    /** kill -9 of a master; then {@link #awaitFailover(int)} for its replica to take over. */
    public void killMaster(int port) {
        int[] owners = owners(nodes(anyLive()));
        int slot = indexOf(owners, port);
        if (slot < 0) {
            throw new IllegalArgumentException(port + " is not a master with slots; masters: " + masterPorts());
        }
        slotOfKilled.put(port, slot);
        killNode(port);
    }

    /** kill -9 of any node: no goodbye to clients or to the cluster, as when a machine dies. */
    public void killNode(int port) {
        Process p = processes.remove(port);
        if (p == null) {
            throw new IllegalStateException(port + " is not running");
        }
        p.destroyForcibly();
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Waits (at most 20 s; it takes about node timeout + 1 s) until a replica of the killed master owns its
     * slots and every surviving node is ok and agrees on that; returns the new master's port.
     */
    public int awaitFailover(int oldMasterPort) {
        Integer slot = slotOfKilled.get(oldMasterPort);
        if (slot == null) {
            throw new IllegalStateException("killMaster(" + oldMasterPort + ") first");
        }
        // settled() only holds once every slot is owned by a live node, so the old master is gone from the map
        Await.until(this::settled, 20, TimeUnit.SECONDS, "failover of " + oldMasterPort);
        return masterPortForSlot(slot);
    }

    /**
     * Starts a killed node again with its old dir and nodes.conf: it rejoins the cluster it knew (a former
     * master whose replica took over comes back as that replica's replica) and is synced when this returns.
     */
    public void restartNode(int port) {
        if (processes.containsKey(port)) {
            throw new IllegalStateException(port + " is still running");
        }
        if (!launch(port)) {
            throw new IllegalStateException("redis-server did not restart on " + port + ", see " + log(port));
        }
        slotOfKilled.remove(port);
        Await.until(this::settled, 30, TimeUnit.SECONDS, port + " to rejoin the cluster");
    }

    /**
     * Moves one slot with its keys to another master by the documented manual procedure (what
     * redis-cli --cluster reshard does): IMPORTING on the target, MIGRATING on the source, MIGRATE the keys
     * in batches, then SETSLOT NODE everywhere; returns once all live nodes agree on the new owner.
     */
    public void migrateSlot(int slot, int toMasterPort) {
        int from = masterPortForSlot(slot);
        if (from == toMasterPort) {
            return;
        }
        if (!masterPorts().contains(toMasterPort)) {
            throw new IllegalArgumentException(toMasterPort + " is not a master; masters: " + masterPorts());
        }
        String fromId = nodeId(from);
        String toId = nodeId(toMasterPort);
        String s = Integer.toString(slot);
        ok(toMasterPort, "cluster", "setslot", s, "importing", fromId);
        ok(from, "cluster", "setslot", s, "migrating", toId);
        while (true) {
            String keys = cli(from, "cluster", "getkeysinslot", s, "100");
            if (keys.isEmpty()) {
                break;
            }
            List<String> migrate = new ArrayList<>(List.of("migrate", "127.0.0.1", Integer.toString(toMasterPort),
                    "", "0", "5000", "keys"));
            migrate.addAll(keys.lines().toList());
            ok(from, migrate.toArray(String[]::new));
        }
        // target first: then no node ever thinks nobody owns the slot; the other masters just learn it sooner
        ok(toMasterPort, "cluster", "setslot", s, "node", toId);
        ok(from, "cluster", "setslot", s, "node", toId);
        for (int m : masterPorts()) {
            if (m != from && m != toMasterPort) {
                ok(m, "cluster", "setslot", s, "node", toId);
            }
        }
        Await.until(() -> settled() && masterPortForSlot(slot) == toMasterPort, 20, TimeUnit.SECONDS,
                "slot " + slot + " to move from " + from + " to " + toMasterPort);
    }

    /** kill -9 of every node still running; logs and node dirs stay in target/ for debugging. */
    @Override
    public void close() {
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(reaper);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running or has run: nothing left to do
        }
    }

    private void killAll() {
        for (int port : List.copyOf(processes.keySet())) {
            killNode(port);
        }
    }

    /**
     * True when every live node says cluster_state:ok, knows every other live node and none of them as failing,
     * has no slot half-migrated, sees all 16384 slots owned by live masters exactly as every other node does,
     * and, if a replica, is synced with its master (a replica that never synced refuses to fail over).
     */
    public boolean settled() {
        Set<Integer> live = processes.keySet();
        int[] agreed = null;
        for (int port : live) {
            if (!cli(port, "cluster", "info").contains("cluster_state:ok")) {
                return false;
            }
            List<Node> view = nodes(port);
            Set<Integer> known = new HashSet<>();
            for (Node n : view) {
                known.add(n.port);
                boolean failing = n.flags.contains("fail") || n.flags.contains("fail?") || n.flags.contains("handshake");
                if (live.contains(n.port) && failing) {
                    return false;
                }
                if (n.flags.contains("myself") && n.slots.stream().anyMatch(r -> r.startsWith("["))) {
                    return false; // an IMPORTING or MIGRATING slot
                }
            }
            int[] owners = owners(view);
            if (!known.containsAll(live) || Arrays.stream(owners).anyMatch(o -> !live.contains(o))
                    || (agreed != null && !Arrays.equals(agreed, owners))) {
                return false;
            }
            agreed = owners;
            boolean replica = view.stream().anyMatch(n -> n.flags.contains("myself") && n.flags.contains("slave"));
            if (replica && !cli(port, "info", "replication").contains("master_link_status:up")) {
                return false;
            }
        }
        return agreed != null;
    }

    /** One line of CLUSTER NODES: id, port, flags (myself, master, slave, fail?, fail...), slot ranges. */
    private record Node(String id, int port, Set<String> flags, List<String> slots) {

        static Node parse(String line) {
            String[] f = line.trim().split(" ");
            String hostPort = f[1].split("@")[0];
            return new Node(f[0], Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1)),
                    Set.of(f[2].split(",")), List.of(f).subList(8, f.length));
        }
    }

    private List<Node> nodes(int port) {
        String out = cli(port, "cluster", "nodes");
        try {
            return out.lines().filter(l -> !l.isBlank()).map(Node::parse).toList();
        } catch (RuntimeException e) {
            throw new IllegalStateException("unexpected CLUSTER NODES from " + port + ":\n" + out, e);
        }
    }

    /** Owner port per slot in one node's view; 0 where no master claims the slot. */
    private static int[] owners(List<Node> view) {
        int[] owners = new int[SLOTS];
        for (Node n : view) {
            if (!n.flags.contains("master") || n.flags.contains("fail")) {
                continue;
            }
            for (String range : n.slots) {
                if (range.startsWith("[")) {
                    continue; // [slot->-id] / [slot-<-id]: migration state, not ownership
                }
                String[] ends = range.split("-");
                int first = Integer.parseInt(ends[0]);
                int last = Integer.parseInt(ends[ends.length - 1]);
                Arrays.fill(owners, first, last + 1, n.port);
            }
        }
        return owners;
    }

    private static int indexOf(int[] values, int value) {
        for (int i = 0; i < values.length; i++) {
            if (values[i] == value) {
                return i;
            }
        }
        return -1;
    }

    private List<String> auth() {
        return password == null ? List.of() : List.of("-a", password, "--no-auth-warning");
    }

    private int anyLive() {
        return ports.stream().filter(processes::containsKey).findFirst()
                .orElseThrow(() -> new IllegalStateException("no node of the cluster is running"));
    }

    private void ok(int port, String... args) {
        String out = cli(port, args);
        if (!out.equals("OK")) {
            throw new IllegalStateException("redis-cli -p " + port + " " + String.join(" ", args) + ": " + out);
        }
    }

    /** Picks a port whose bus port is free too, away from the others; retries if someone takes it meanwhile. */
    private int launchOnSomeFreePort(Set<Integer> taken) {
        for (int attempt = 0; attempt < 20; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(20000, 45001);
            if (taken.contains(port) || taken.contains(port + BUS_OFFSET) || taken.contains(port - BUS_OFFSET)
                    || !free(port) || !free(port + BUS_OFFSET)) {
                continue;
            }
            taken.add(port);
            if (launch(port)) {
                return port;
            }
        }
        throw new IllegalStateException("found no free port pair for a cluster node");
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket(port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static File log(int port) {
        return new File("target/redis-cluster-" + port + ".log");
    }

    /** Starts the node on its port and dir; false if it died before being ready (its port was taken). */
    private boolean launch(int port) {
        File log = log(port);
        long logged = log.length();
        Process p;
        try {
            Path dir = dirs.get(port);
            if (dir == null) {
                Files.createDirectories(Path.of("target"));
                dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "redis-cluster-" + port + "-");
                dirs.put(port, dir);
            }
            List<String> command = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port),
                    "--bind", "127.0.0.1",
                    "--cluster-enabled", "yes", "--cluster-config-file", "nodes-" + port + ".conf",
                    "--cluster-node-timeout", Integer.toString(NODE_TIMEOUT_MS),
                    "--save", "", "--appendonly", "no", "--protected-mode", "no",
                    // a master waits 5 s by default before a full sync, to serve several replicas at once
                    "--repl-diskless-sync-delay", "0",
                    "--dir", dir.toString()));
            if (password != null) {
                command.addAll(List.of("--requirepass", password, "--masterauth", password));
            }
            p = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log)) // a restart keeps the earlier life
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException("redis-server is not installed? bin/test installs it", e);
        }
        Await.until(() -> !p.isAlive() || readySince(log, logged), "redis-server on port " + port);
        if (!p.isAlive()) {
            return false;
        }
        processes.put(port, p);
        return true;
    }

    private static boolean readySince(File log, long offset) {
        try {
            byte[] all = Files.readAllBytes(log.toPath());
            return new String(all, (int) offset, all.length - (int) offset).contains("Ready to accept connections");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs a command and returns its output trimmed; a command that hangs fails instead of hanging the build. */
    private static String run(List<String> cmd, int timeoutSeconds) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            // read while it runs: a full pipe would block it before it could exit
            CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> {
                try {
                    return p.getInputStream().readAllBytes();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out: " + String.join(" ", cmd));
            }
            return new String(out.get()).trim();
        } catch (IOException | ExecutionException e) {
            throw new IllegalStateException(String.join(" ", cmd), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
