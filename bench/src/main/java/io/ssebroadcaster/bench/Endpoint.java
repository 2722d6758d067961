package io.ssebroadcaster.bench;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * An {@code http://host:port/path?query} template, where {@code {channel}} stands for a channel
 * name. Only loopback targets are accepted: this tool generates load and must never aim it at
 * another machine.
 */
record Endpoint(String host, int port, String pathTemplate, InetSocketAddress address) {

    static Endpoint parse(String url) {
        if (!url.startsWith("http://")) {
            throw new IllegalArgumentException("only http:// URLs are supported: " + url);
        }
        String rest = url.substring("http://".length());
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "/" : rest.substring(slash);
        String host = authority;
        int port = 80;
        int colon = authority.lastIndexOf(':');
        if (colon >= 0) {
            host = authority.substring(0, colon);
            port = Integer.parseInt(authority.substring(colon + 1));
        }
        InetAddress ip;
        try {
            ip = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("cannot resolve " + host, e);
        }
        if (!ip.isLoopbackAddress()) {
            throw new IllegalArgumentException("refusing to load " + ip.getHostAddress()
                    + ": targets must be loopback (127.0.0.0/8 or ::1)");
        }
        return new Endpoint(host, port, path, new InetSocketAddress(ip, port));
    }

    String path(String channel) {
        return pathTemplate.replace("{channel}", channel);
    }

    String hostHeader() {
        return host + ":" + port;
    }
}
