package io.ssebroadcaster.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;

/**
 * A loopback TCP proxy in front of a real Redis that can hold back the commands a test names (say
 * {@code SCAN}) until it {@linkplain #release releases} them, while every other command and every
 * reply (pub/sub messages included) passes at once: a Redis that is slow for one kind of request only,
 * deterministically.
 *
 * <p>It looks at the first command name of each chunk a client sends (RESP: {@code *<n>\r\n$<len>\r\n<NAME>}),
 * which is enough for jedis, which writes one command per flush.
 */
final class CommandHoldingProxy implements AutoCloseable {

    private final ServerSocket server;
    private final int targetPort;
    private final Set<String> holding = ConcurrentHashMap.newKeySet();
    private final Object gate = new Object();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Map<String, LongAdder> seen = new ConcurrentHashMap<>();
    private int held; // guarded by gate

    private CommandHoldingProxy(int targetPort) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.targetPort = targetPort;
        Thread.ofPlatform().daemon().name("proxy-accept").start(this::accept);
    }

    static CommandHoldingProxy start(int redisPort) {
        try {
            return new CommandHoldingProxy(redisPort);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    int port() {
        return server.getLocalPort();
    }

    /** From now on, commands with these names wait until {@link #release}. */
    void hold(String... commands) {
        for (String c : commands) {
            holding.add(c.toUpperCase(Locale.ROOT));
        }
    }

    /** Lets every held command through, and holds nothing more. */
    void release() {
        synchronized (gate) {
            holding.clear();
            gate.notifyAll();
        }
    }

    /** How many commands are being held now. */
    int held() {
        synchronized (gate) {
            return held;
        }
    }

    /** How many commands with this name clients have sent (as the first command of a chunk). */
    long seen(String command) {
        LongAdder n = seen.get(command.toUpperCase(Locale.ROOT));
        return n == null ? 0 : n.sum();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                sockets.add(client);
                sockets.add(upstream);
                Thread.ofPlatform().daemon().name("proxy-up").start(() -> pump(client, upstream, true));
                Thread.ofPlatform().daemon().name("proxy-down").start(() -> pump(upstream, client, false));
            } catch (IOException e) {
                // closed
            }
        }
    }

    private void pump(Socket from, Socket to, boolean commands) {
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buf)) > 0) {
                if (commands) {
                    String name = commandName(buf, n);
                    if (name != null) {
                        seen.computeIfAbsent(name, k -> new LongAdder()).increment();
                    }
                    awaitRelease(name);
                }
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // one side went away
        } finally {
            close(from);
            close(to);
        }
    }

    private void awaitRelease(String command) {
        if (command == null || !holding.contains(command)) {
            return;
        }
        synchronized (gate) {
            held++;
            try {
                while (holding.contains(command)) {
                    gate.wait();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                held--;
            }
        }
    }

    /** The name of the RESP command the chunk starts with, upper case, or null. */
    static String commandName(byte[] buf, int n) {
        String head = new String(buf, 0, Math.min(n, 64), StandardCharsets.ISO_8859_1);
        if (!head.startsWith("*")) {
            return null;
        }
        int bulk = head.indexOf("\r\n$");
        int nameStart = bulk < 0 ? -1 : head.indexOf("\r\n", bulk + 3);
        int nameEnd = nameStart < 0 ? -1 : head.indexOf("\r\n", nameStart + 2);
        return nameEnd < 0 ? null : head.substring(nameStart + 2, nameEnd).toUpperCase(Locale.ROOT);
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already
        }
    }

    @Override
    public void close() {
        release();
        close(server);
        for (Socket s : sockets) {
            close(s);
        }
    }

    private static void close(ServerSocket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already
        }
    }
}
