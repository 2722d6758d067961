package io.ssebroadcaster.lifecycle;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Reads an event stream's body on a thread of its own and keeps the {@code data:} of each line,
 * in order (the tests' events are one line each).
 */
final class EventLines implements AutoCloseable {

    private final InputStream body;
    private final List<String> data = new CopyOnWriteArrayList<>();
    private final Thread reader;
    private volatile boolean ended;
    private volatile String endedBy;

    EventLines(InputStream body) {
        this.body = body;
        this.reader = Thread.ofVirtual().start(this::read);
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("data:")) {
                    data.add(line.startsWith("data: ") ? line.substring(6) : line.substring(5));
                }
            }
            endedBy = "end of stream";
        } catch (IOException e) {
            endedBy = e.toString();
        } finally {
            ended = true;
        }
    }

    List<String> data() {
        return List.copyOf(data);
    }

    int count() {
        return data.size();
    }

    boolean ended() {
        return ended;
    }

    String endedBy() {
        return endedBy;
    }

    @Override
    public void close() {
        try {
            body.close();
        } catch (IOException e) {
            // closed already
        }
        reader.interrupt();
    }
}
