package io.ssebroadcaster.lifecycle;

import io.ssebroadcaster.Http;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.Map;

/** One reading of {@code GET /stats} (over plain HTTP), as a client of the server sees it. */
record Stats(int stream, int poll, int total, Map<String, Integer> channels, long slowDropped) {

    static Stats of(int port) {
        var response = Http.get(port, "/stats");
        if (response.statusCode() != 200) {
            throw new AssertionError("/stats answered " + response.statusCode() + " " + response.body());
        }
        JsonObject json = Http.json(response.body());
        JsonObject connections = json.getJsonObject("connections");
        Map<String, Integer> channels = new LinkedHashMap<>();
        for (JsonArray pair : json.getJsonArray("channels").getValuesAs(JsonArray.class)) {
            channels.put(pair.getString(0), pair.getInt(1));
        }
        return new Stats(connections.getInt("stream"), connections.getInt("poll"), connections.getInt("total"),
                channels, json.getJsonNumber("slowDropped").longValue());
    }

    int channel(String name) {
        return channels.getOrDefault(name, 0);
    }

    /** The connection counts, for messages. */
    String connections() {
        return "stream " + stream + ", poll " + poll + ", total " + total;
    }
}
