package io.ssebroadcaster.hub;

import java.util.List;
import java.util.Map;

/**
 * A snapshot of the hub's counters.
 *
 * @param channels    subscriber count per channel or pattern, largest first
 * @param streams     open SSE streams
 * @param polls       long polls waiting
 * @param published   events delivered to this node since start
 * @param deliveries  events handed to subscribers
 * @param slowDropped subscribers disconnected because their outbox overflowed
 * @param replayed    events sent to reconnecting clients from history
 * @param historySize events kept in history
 */
public record HubStats(List<Map.Entry<String, Integer>> channels, int streams, int polls, long published,
                       long deliveries, long slowDropped, long replayed, int historySize) {
}
