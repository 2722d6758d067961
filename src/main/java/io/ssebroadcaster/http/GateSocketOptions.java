package io.ssebroadcaster.http;

import io.helidon.common.socket.SocketOptions;

import java.net.Socket;
import java.net.SocketOption;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Helidon's socket options for accepted connections, which also tell a {@link ConnectionGate} of
 * each socket as it is accepted. Helidon 4.3 offers no accept hook, but it applies these options to
 * every accepted socket on the listener's thread, before anything is read from it.
 */
public final class GateSocketOptions implements SocketOptions {

    private final SocketOptions delegate;
    private final ConnectionGate gate;

    public GateSocketOptions(SocketOptions delegate, ConnectionGate gate) {
        this.delegate = delegate;
        this.gate = gate;
    }

    @Override
    public void configureSocket(Socket socket) {
        delegate.configureSocket(socket);
        gate.accepted(socket);
    }

    @Override
    public Map<SocketOption<?>, Object> socketOptions() {
        return delegate.socketOptions();
    }

    @Override
    public Duration connectTimeout() {
        return delegate.connectTimeout();
    }

    @Override
    public Duration readTimeout() {
        return delegate.readTimeout();
    }

    @Override
    public Optional<Integer> socketReceiveBufferSize() {
        return delegate.socketReceiveBufferSize();
    }

    @Override
    public Optional<Integer> socketSendBufferSize() {
        return delegate.socketSendBufferSize();
    }

    @Override
    public boolean socketReuseAddress() {
        return delegate.socketReuseAddress();
    }

    @Override
    public boolean socketKeepAlive() {
        return delegate.socketKeepAlive();
    }

    @Override
    public boolean tcpNoDelay() {
        return delegate.tcpNoDelay();
    }
}
