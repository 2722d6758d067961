package io.ssebroadcaster.http;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpMediaType;
import io.helidon.webserver.http.ServerRequest;
import io.ssebroadcaster.hub.ChannelName;
import io.ssebroadcaster.hub.Position;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A parsed subscribe request: {@code GET /?channels=a&channels=b} or {@code ?channels=a,b}, the
 * last id from {@code Last-Event-ID} (or {@code lastEventId} for clients that cannot set
 * headers), and whether to answer as a stream or as one long poll.
 */
record SubscribeRequest(List<String> channels, Position lastEventId, boolean longPoll, String token) {

    /** Cookie that carries a subscriber token (EventSource cannot set headers, but sends cookies). */
    static final String TOKEN_COOKIE = "sse_token";

    static final HeaderName LAST_EVENT_ID = HeaderNames.create("Last-Event-ID");
    static final HeaderName X_REQUESTED_WITH = HeaderNames.create("X-Requested-With");

    static SubscribeRequest parse(ServerRequest req, int maxChannels) {
        Set<String> channels = new LinkedHashSet<>();
        for (String name : new String[] {"channels", "channel"}) {
            if (req.query().contains(name)) {
                for (String value : req.query().all(name)) {
                    for (String part : value.split(",", -1)) {
                        channels.add(part.trim());
                    }
                }
            }
        }
        channels.remove("");
        if (channels.isEmpty()) {
            throw ApiException.badRequest("no channel: subscribe with ?channels=name (repeat it or use commas for more)");
        }
        if (channels.size() > maxChannels) {
            throw ApiException.badRequest("more than " + maxChannels + " channels in one subscription");
        }
        for (String channel : channels) {
            String problem = ChannelName.problemForSubscribe(channel);
            if (problem != null) {
                throw ApiException.badRequest(problem);
            }
        }
        return new SubscribeRequest(List.copyOf(channels), lastEventId(req), isLongPoll(req), token(req));
    }

    /** {@code Authorization: Bearer}, else the {@code sse_token} cookie, else the {@code token} parameter. */
    private static String token(ServerRequest req) {
        String bearer = PublishRequest.bearer(req);
        if (bearer != null) {
            return bearer;
        }
        var cookie = req.headers().cookies().first(TOKEN_COOKIE).asOptional();
        if (cookie.isPresent()) {
            return cookie.get();
        }
        return req.query().first("token").asOptional().orElse(null);
    }

    /** The header wins: a reconnecting EventSource sends its newest id there, the URL may be stale. */
    private static Position lastEventId(ServerRequest req) {
        String raw = req.headers().first(LAST_EVENT_ID)
                .or(() -> req.query().first("lastEventId").asOptional())
                .orElse("")
                .trim();
        if (raw.isEmpty()) {
            return null;
        }
        try {
            return Position.parse(raw);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("bad Last-Event-ID: " + e.getMessage());
        }
    }

    /** A poll asked for by {@code transport=poll}, or an XHR that does not accept an event stream. */
    static boolean isLongPoll(ServerRequest req) {
        if (req.query().first("transport").asOptional().filter("poll"::equals).isPresent()) {
            return true;
        }
        boolean xhr = req.headers().first(X_REQUESTED_WITH).filter("XMLHttpRequest"::equalsIgnoreCase).isPresent();
        boolean wantsStream;
        try {
            wantsStream = req.headers().acceptedTypes().stream()
                    .map(HttpMediaType::mediaType)
                    .anyMatch(m -> "text".equals(m.type()) && "event-stream".equals(m.subtype()));
        } catch (RuntimeException e) { // Helidon's parser throws several kinds on garbage
            throw ApiException.badRequest("unreadable Accept header");
        }
        return xhr && !wantsStream;
    }
}
