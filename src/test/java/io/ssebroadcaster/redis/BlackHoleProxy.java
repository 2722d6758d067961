package io.ssebroadcaster.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on loopback that can turn every connection it carries into a black hole, as a dead
 * NAT entry or a partition does: from then on it reads what either side sends and forwards nothing,
 * and closes nothing (no FIN, no RST), so both ends see a connection that is up and silent.
 * Connections accepted afterwards are carried normally, as a fresh NAT entry would be.
 */
final class BlackHoleProxy implements AutoCloseable {

    /** One carried connection: the client's socket and the one to the target. */
    private static final class Pair {
        final Socket client;
        final Socket target;
        volatile boolean blackHoled;

        Pair(Socket client, Socket target) {
            this.client = client;
            this.target = target;
        }
    }

    private final ServerSocket listener;
    private final int targetPort;
    private final List<Pair> pairs = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    BlackHoleProxy(int targetPort) {
        this.targetPort = targetPort;
        try {
            listener = new ServerSocket();
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Thread.ofPlatform().daemon().name("proxy-accept").start(this::accept);
    }

    int port() {
        return listener.getLocalPort();
    }

    /** Every connection open now stops carrying bytes, for good; new ones are carried. */
    void blackHoleExistingConnections() {
        pairs.forEach(p -> p.blackHoled = true);
    }

    /** Connections carried normally now. */
    long liveConnections() {
        return pairs.stream().filter(p -> !p.blackHoled && !p.client.isClosed()).count();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                Socket target = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                Pair pair = new Pair(client, target);
                pairs.add(pair);
                Thread.ofPlatform().daemon().name("proxy-up").start(() -> pump(pair, client, target));
                Thread.ofPlatform().daemon().name("proxy-down").start(() -> pump(pair, target, client));
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    /** Copies {@code from} to {@code to} until either ends; once black-holed, reads and drops. */
    private void pump(Pair pair, Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream()) {
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (!pair.blackHoled) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            }
            if (!pair.blackHoled) {
                to.shutdownOutput(); // an orderly close passes through while the connection is carried
            }
        } catch (IOException e) {
            // one side went away (or the proxy is closing)
            if (!pair.blackHoled) {
                closeQuietly(to);
            }
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(listener);
        for (Pair p : pairs) {
            closeQuietly(p.client);
            closeQuietly(p.target);
        }
    }

    private static void closeQuietly(ServerSocket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
