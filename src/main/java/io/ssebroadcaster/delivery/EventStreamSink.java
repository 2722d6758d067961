package io.ssebroadcaster.delivery;

import io.helidon.common.GenericType;
import io.helidon.common.buffers.BufferData;
import io.helidon.http.DateTime;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.http.spi.Sink;
import io.helidon.webserver.http.spi.SinkProviderContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An HTTP/1 event stream written straight to the connection's socket, so the {@link Writers} can
 * push to it without a thread per client waking for each event. The body is delimited by closing
 * the connection, as Helidon's own SSE sink does: no chunk framing, one socket write per batch.
 */
final class EventStreamSink implements Sink<byte[]>, Outlet {

    static final GenericType<EventStreamSink> TYPE = GenericType.create(EventStreamSink.class);

    private static final byte[] STATUS_LINE = "HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ServerResponse response;
    private final ConnectionContext connection;
    private final Runnable finishResponse;
    private final AtomicBoolean finished = new AtomicBoolean();

    EventStreamSink(SinkProviderContext context) {
        this.response = context.serverResponse();
        this.connection = context.connectionContext();
        this.finishResponse = context.closeRunnable();
    }

    /** The status line and the response's headers, then {@code body}, in one write. */
    void open(byte[] body) throws IOException {
        response.header(HeaderValues.CONNECTION_CLOSE);
        BufferData head = BufferData.growing(512 + body.length);
        head.write(STATUS_LINE);
        if (!response.headers().contains(HeaderNames.DATE)) {
            head.write("Date: ".getBytes(StandardCharsets.US_ASCII));
            head.write(DateTime.http1Bytes());
        }
        for (Header header : response.headers()) {
            header.writeHttp1Header(head);
        }
        head.write('\r');
        head.write('\n');
        head.write(body);
        write(head);
        ConnectionSockets.releaseReadBuffer(connection.serverSocket());
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        write(BufferData.create(bytes, offset, length));
    }

    private void write(BufferData data) throws IOException {
        try {
            connection.dataWriter().writeNow(data);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } catch (RuntimeException e) {
            throw new IOException(e); // Helidon's SocketWriterException and kin: the connection is gone
        }
    }

    @Override
    public EventStreamSink emit(byte[] event) {
        try {
            write(event, 0, event.length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** The connection's socket, to watch for the client leaving. */
    io.helidon.common.socket.HelidonSocket connection() {
        return connection.serverSocket();
    }

    @Override
    public void abort() {
        ConnectionSockets.abort(connection.serverSocket());
    }

    @Override
    public void close() {
        ConnectionSockets.close(connection.serverSocket());
    }

    /** Ends the response; on the request's own thread, as Helidon expects. */
    void finish() {
        if (finished.compareAndSet(false, true)) {
            try {
                finishResponse.run();
            } finally {
                ConnectionSockets.close(connection.serverSocket());
            }
        }
    }
}
