package io.ssebroadcaster.delivery;

import io.helidon.common.GenericType;
import io.helidon.common.media.type.MediaType;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.http.spi.Sink;
import io.helidon.webserver.http.spi.SinkProvider;
import io.helidon.webserver.http.spi.SinkProviderContext;

import java.util.function.BiConsumer;

/** Lets Helidon hand us the connection behind an HTTP/1 response (registered in META-INF/services). */
public final class EventStreamSinkProvider implements SinkProvider<byte[]> {

    @Override
    public boolean supports(GenericType<? extends Sink<?>> type, ServerRequest request) {
        return EventStreamSink.TYPE.equals(type);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <X extends Sink<byte[]>> X create(SinkProviderContext context) {
        return (X) new EventStreamSink(context);
    }

    /** Only reached by responses that cannot expose their connection; we then stream another way. */
    @Override
    @SuppressWarnings({"deprecation", "removal"})
    public <X extends Sink<byte[]>> X create(ServerResponse response, BiConsumer<Object, MediaType> eventConsumer,
                                             Runnable closeRunnable) {
        throw new UnsupportedOperationException("event streams need the connection");
    }
}
