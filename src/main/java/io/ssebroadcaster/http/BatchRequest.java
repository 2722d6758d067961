package io.ssebroadcaster.http;

import jakarta.json.JsonArray;
import jakarta.json.JsonValue;

import java.util.ArrayList;
import java.util.List;

/**
 * A parsed batch publish: a JSON array of publish objects, or NDJSON (one publish object per line,
 * blank lines ignored). Every item is validated by the single JSON publish's rules before anything is
 * published, so one bad item refuses the whole batch, naming its index ({@link BatchItemException}).
 *
 * @param items the publishes, in the order given
 */
record BatchRequest(List<PublishRequest> items) {

    /** What bounds a batch besides the single publish's rules. */
    record Limits(int maxMessageBytes, int maxChannels, int maxItems, int maxBytes) {
    }

    static BatchRequest fromJsonArray(JsonArray array, Limits limits) {
        checkCount(array.size(), limits);
        List<PublishRequest> items = new ArrayList<>(array.size());
        for (JsonValue value : array) {
            items.add(item(items.size(), value, limits));
        }
        return new BatchRequest(List.copyOf(items));
    }

    static BatchRequest fromNdjson(byte[] body, Limits limits) {
        String text = PublishRequest.jsonText(body, "NDJSON body");
        List<PublishRequest> items = new ArrayList<>();
        int line = 0;
        for (String row : text.split("\n", -1)) {
            line++;
            if (row.isBlank()) {
                continue; // a trailing newline, or blank lines between items
            }
            int index = items.size();
            if (index == limits.maxItems()) {
                checkCount(index + 1, limits); // refused before the rest is parsed
            }
            JsonValue value;
            try {
                value = PublishRequest.readJson(row, "JSON on line " + line);
            } catch (ApiException e) {
                throw new BatchItemException(index, e);
            }
            items.add(item(index, value, limits));
        }
        checkCount(items.size(), limits);
        return new BatchRequest(List.copyOf(items));
    }

    private static PublishRequest item(int index, JsonValue value, Limits limits) {
        try {
            return PublishRequest.item(value, limits.maxMessageBytes(), limits.maxChannels());
        } catch (ApiException e) {
            throw new BatchItemException(index, e);
        }
    }

    private static void checkCount(int count, Limits limits) {
        if (count == 0) {
            throw ApiException.badRequest("empty batch: send at least one publish object");
        }
        if (count > limits.maxItems()) {
            throw ApiException.payloadTooLarge("more than " + limits.maxItems() + " publishes in one batch");
        }
    }
}
