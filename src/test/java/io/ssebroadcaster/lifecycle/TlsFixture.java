package io.ssebroadcaster.lifecycle;

import io.ssebroadcaster.RedisServer;
import io.ssebroadcaster.SseBroadcaster;
import io.ssebroadcaster.TestServers;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate made with openssl, a server that serves HTTPS (with HTTP/2 by ALPN)
 * beside plain HTTP with it, and clients that trust it: the JDK HttpClient speaking HTTP/2, and
 * raw {@link SSLSocket}s speaking HTTP/1.1.
 */
final class TlsFixture {

    private final Path cert;
    private final Path key;
    private final SSLContext trusting;

    private TlsFixture(Path cert, Path key, SSLContext trusting) {
        this.cert = cert;
        this.key = key;
        this.trusting = trusting;
    }

    /** Makes the certificate in {@code dir}. */
    static TlsFixture create(Path dir) throws IOException, InterruptedException, GeneralSecurityException {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                "-keyout", key.toString(), "-out", cert.toString(), "-subj", "/CN=localhost", "-days", "2")
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("openssl could not make a certificate: " + output);
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        return new TlsFixture(cert, key, ctx);
    }

    /** A server with HTTPS on a free port beside plain HTTP, and {@code flags}. */
    SseBroadcaster start(String... flags) {
        List<String> all = new ArrayList<>(List.of("--ssl-port", Integer.toString(RedisServer.freePort()),
                "--ssl-cert", cert.toString(), "--ssl-key", key.toString()));
        all.addAll(List.of(flags));
        return TestServers.start(all.toArray(String[]::new));
    }

    /** An HttpClient of its own (so its own connection) that speaks HTTP/2 and trusts the certificate. */
    HttpClient http2() {
        return HttpClient.newBuilder().sslContext(trusting).version(HttpClient.Version.HTTP_2)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    /**
     * An HTTP/1.1 (by ALPN) TLS connection to {@code port}, handshake done.
     *
     * @param receiveBuffer the socket's receive buffer, set before connecting; 0 for the default
     */
    SSLSocket connect(int port, int receiveBuffer, int readTimeoutMillis) throws IOException {
        SSLSocket s = (SSLSocket) trusting.getSocketFactory().createSocket();
        try {
            if (receiveBuffer > 0) {
                s.setReceiveBufferSize(receiveBuffer);
            }
            SSLParameters params = s.getSSLParameters();
            params.setApplicationProtocols(new String[] {"http/1.1"});
            params.setServerNames(List.of(new SNIHostName("localhost")));
            s.setSSLParameters(params);
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(readTimeoutMillis);
            s.setTcpNoDelay(true);
            s.startHandshake();
            return s;
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }
}
