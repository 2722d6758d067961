package io.ssebroadcaster.redis;

import io.ssebroadcaster.hub.ChannelName;
import io.ssebroadcaster.hub.Event;
import io.ssebroadcaster.hub.EventId;
import io.ssebroadcaster.hub.ReplayLimit;
import io.ssebroadcaster.hub.ReplayMerge;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.resps.StreamEntry;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads messages back from the channel streams, for a resuming client ({@link RedisHistory}) and
 * for a node that was disconnected ({@link RedisCatchUp}). A message published to several channels
 * has an entry in each of their streams; {@link #oneEventPerId} makes them one event again.
 *
 * <p>Every method may throw {@link redis.clients.jedis.exceptions.JedisException}.
 */
final class RedisStreamReader {

    /** Pattern subscriptions look for matching streams; this bounds how many one lookup finds. */
    static final int MAX_PATTERN_STREAMS = 1000;
    /** And this how many index entries one lookup reads (a pattern such as {@code *x} reads from the start). */
    static final int MAX_INDEX_READ = 20_000;
    private static final int INDEX_PAGE = 500;
    /** Above every character a channel name may hold: the end of a lexicographic prefix range. */
    private static final String PAST_NAMES = "\u00ff";

    private final UnifiedJedis redis;
    private final RedisStreams.Layout layout;

    RedisStreamReader(UnifiedJedis redis) {
        this(redis, RedisStreams.Layout.ONE_REDIS);
    }

    RedisStreamReader(UnifiedJedis redis, RedisStreams.Layout layout) {
        this.redis = redis;
        this.layout = layout;
    }

    /**
     * The channels named, and those patterns match.
     *
     * @param complete false when a bound ({@link #MAX_PATTERN_STREAMS}, {@link #MAX_INDEX_READ}) left
     *                 some matching channels out
     */
    record Lookup(Set<String> channels, boolean complete) {
    }

    /** The channels whose streams hold what {@code namesOrPatterns} receive: patterns are looked up in Redis. */
    Set<String> channels(Collection<String> namesOrPatterns) {
        return lookUp(namesOrPatterns).channels();
    }

    /**
     * Finds the channels of {@code namesOrPatterns}: names as they are, patterns in the channel index
     * (a lexicographic range by the pattern's literal prefix, read in pages and matched here), never
     * by scanning the keyspace.
     */
    Lookup lookUp(Collection<String> namesOrPatterns) {
        Set<String> out = new LinkedHashSet<>();
        int matched = 0;
        int read = 0;
        boolean complete = true;
        for (String name : namesOrPatterns) {
            if (!ChannelName.isPattern(name)) {
                out.add(name);
                continue;
            }
            String prefix = name.substring(0, name.indexOf('*'));
            String from = prefix.isEmpty() ? "-" : "[" + prefix;
            String to = prefix.isEmpty() ? "+" : "(" + prefix + PAST_NAMES;
            while (true) {
                if (matched >= MAX_PATTERN_STREAMS || read >= MAX_INDEX_READ) {
                    complete = false;
                    break;
                }
                int page = Math.min(INDEX_PAGE, MAX_INDEX_READ - read);
                List<String> names = redis.zrangeByLex(RedisStreams.CHANNEL_INDEX_KEY, from, to, 0, page);
                read += names.size();
                for (String channel : names) {
                    if (ChannelName.matches(name, channel) && matched < MAX_PATTERN_STREAMS && out.add(channel)) {
                        matched++;
                    }
                }
                if (names.size() < page) {
                    break;
                }
                from = "(" + names.getLast(); // the next page starts after the last name read
            }
        }
        return new Lookup(out, complete);
    }

    /**
     * Up to {@code count} entries of {@code channel}'s stream with ids after {@code after} and, unless
     * {@code upTo} is null, not after {@code upTo}, oldest first.
     */
    List<Event> read(String channel, EventId after, EventId upTo, int count) {
        // XRANGE's start is inclusive (the exclusive form needs Redis 6.2): one more, then skip it
        StreamEntryID start = new StreamEntryID(after.millis(), after.sequence());
        StreamEntryID end = upTo == null ? null : new StreamEntryID(upTo.millis(), upTo.sequence());
        List<Event> out = new ArrayList<>();
        for (StreamEntry entry : redis.xrange(layout.stream(channel), start, end, count + 1)) {
            Event e = RedisStreams.toEvent(channel, entry);
            if (e.id().isAfter(after) && out.size() < count) {
                out.add(e);
            }
        }
        return out;
    }

    /**
     * Each channel's stream newest first, from {@code upTo} (null: its newest entry) down to just after
     * {@code after}, read a page at a time as the merge asks for it. The first pages (each stream's
     * newest entry, which is all the merge needs to order them) are read in one round trip.
     */
    List<ReplayMerge.Source> newestFirst(Collection<String> channels, EventId after, EventId upTo,
                                         ReadAhead readAhead) {
        Map<String, EventId> afters = new LinkedHashMap<>();
        Map<String, EventId> upTos = new HashMap<>();
        for (String channel : channels) {
            afters.put(channel, after);
            upTos.put(channel, upTo);
        }
        return newestFirst(afters, upTos, readAhead);
    }

    /** The same with each channel's own bounds (Redis Cluster: ids are per channel); a null {@code upTo}: the newest. */
    List<ReplayMerge.Source> newestFirst(Map<String, EventId> after, Map<String, EventId> upTo, ReadAhead readAhead) {
        List<StreamPages> sources = new ArrayList<>(after.size());
        for (Map.Entry<String, EventId> e : after.entrySet()) {
            sources.add(new StreamPages(e.getKey(), e.getValue(), upTo.get(e.getKey()), readAhead));
        }
        List<Response<List<StreamEntry>>> firsts = new ArrayList<>(sources.size());
        try (AbstractPipeline pipeline = redis.pipelined()) {
            for (StreamPages s : sources) {
                firsts.add(pipeline.xrevrange(s.key, s.end, s.after.streamId(), 1));
            }
            pipeline.sync();
        }
        for (int i = 0; i < sources.size(); i++) {
            sources.get(i).take(firsts.get(i).get(), 1, 1);
        }
        return List.copyOf(sources);
    }

    /**
     * True when trimming (by length or age) dropped entries after {@code after} from one of the
     * channels' streams; asked in one round trip.
     *
     * @param ttlMillis the streams' age limit (0: none)
     */
    boolean trimmedAfter(Collection<String> channels, EventId after, long ttlMillis) {
        Map<String, EventId> afters = new LinkedHashMap<>();
        channels.forEach(c -> afters.put(c, after));
        return trimmedAfter(afters, ttlMillis);
    }

    /** The same with each channel's own id (Redis Cluster). */
    boolean trimmedAfter(Map<String, EventId> afters, long ttlMillis) {
        List<Response<String>> floors = new ArrayList<>(afters.size());
        List<Response<Boolean>> exist = new ArrayList<>(afters.size());
        List<EventId> ids = new ArrayList<>(afters.size());
        try (AbstractPipeline pipeline = redis.pipelined()) {
            for (Map.Entry<String, EventId> e : afters.entrySet()) {
                floors.add(pipeline.get(layout.floor(e.getKey())));
                exist.add(ttlMillis > 0 ? pipeline.exists(layout.stream(e.getKey())) : null);
                ids.add(e.getValue());
            }
            pipeline.sync();
        }
        for (int i = 0; i < floors.size(); i++) {
            EventId after = ids.get(i);
            EventId afterEntry = new EventId(after.millis(), after.sequence());
            String floor = floors.get(i).get();
            if (floor != null) {
                if (EventId.parse(floor).isAfter(afterEntry)) {
                    return true;
                }
            } else if (ttlMillis > 0 && !exist.get(i).get() && after.millis() < System.currentTimeMillis() - ttlMillis) {
                // No floor: nothing was trimmed, or the whole stream expired; only an id older than
                // the age limit can have missed something then
                return true;
            }
        }
        return false;
    }

    /**
     * Sizes the pages of one replay's streams: a stream's first page is its newest entry alone (all the
     * merge needs to order the streams); later pages are no bigger than what the replay can still take,
     * in events and bytes, nor than what is left of a read-ahead budget of the replay's byte limit for
     * all the pages together. So one replay holds at most about its answer, that budget, and one entry
     * per stream (plus one page, when entries turn out bigger than those read before).
     */
    static final class ReadAhead {
        private static final int MAX_PAGE = 32;
        private final ReplayLimit limit;
        private long held;
        private long takenEvents;
        private long takenBytes;
        private long largest = 1;

        ReadAhead(ReplayLimit limit) {
            this.limit = limit;
        }

        int nextPage() {
            long bytes = Math.min(limit.maxBytes() - takenBytes, limit.maxBytes() - held);
            long count = Math.min(Math.min(MAX_PAGE, limit.maxEvents() - takenEvents), bytes / largest);
            return (int) Math.max(1, count);
        }

        void read(Event e) {
            held += e.size();
            largest = Math.max(largest, e.size());
        }

        void taken(Event e) {
            held -= e.size();
            takenEvents++;
            takenBytes += e.size();
        }
    }

    private final class StreamPages implements ReplayMerge.Source {
        private final String channel;
        private final String key;
        private final EventId after;
        private final ReadAhead readAhead;
        private final ArrayDeque<Event> page = new ArrayDeque<>();
        /** Where the next page starts (inclusive: XREVRANGE's exclusive form needs Redis 6.2). */
        private String end;
        /** The oldest id read so far, which starts the next page and is left out of it; null at first. */
        private EventId lastRead;
        private boolean exhausted;

        StreamPages(String channel, EventId after, EventId upTo, ReadAhead readAhead) {
            this.channel = channel;
            this.key = layout.stream(channel);
            this.after = after;
            this.readAhead = readAhead;
            this.end = upTo == null ? "+" : upTo.streamId();
        }

        @Override
        public Event peek() {
            if (page.isEmpty() && !exhausted) {
                fill();
            }
            return page.peekFirst();
        }

        @Override
        public void advance() {
            Event e = page.pollFirst();
            if (e != null) {
                readAhead.taken(e);
            }
        }

        private void fill() {
            int count = readAhead.nextPage();
            // One more than wanted: a page starts with the entry that ended the previous one (the
            // first page, one entry, is read by newestFirst)
            take(redis.xrevrange(key, end, after.streamId(), count + 1), count, count + 1);
        }

        /** Keeps up to {@code count} of the entries read (newest first) that are new and after the client's id. */
        void take(List<StreamEntry> entries, int count, int asked) {
            for (StreamEntry entry : entries) {
                Event e = RedisStreams.toEvent(channel, entry);
                boolean alreadyRead = lastRead != null && !lastRead.isAfter(e.id());
                if (alreadyRead || !e.id().isAfter(after)) {
                    continue; // that one, or the entry at the client's own id
                }
                if (page.size() == count) {
                    break;
                }
                page.addLast(e);
                readAhead.read(e);
            }
            // The range held no more than this (a page of skipped entries only ends it too)
            exhausted = entries.size() < asked || page.isEmpty();
            if (!page.isEmpty()) {
                lastRead = page.peekLast().id();
                end = lastRead.streamId();
            }
        }
    }

    /**
     * Sorted by id, with the copies of one message (read from several streams, or from a stream and
     * this node's memory) merged into one event listing the channels of all of them.
     */
    static List<Event> oneEventPerId(List<Event> events) {
        List<Event> sorted = new ArrayList<>(events);
        sorted.sort(Comparator.comparing(Event::id));
        List<Event> out = new ArrayList<>(sorted.size());
        for (Event e : sorted) {
            Event last = out.isEmpty() ? null : out.getLast();
            if (last == null || !last.id().equals(e.id())) {
                out.add(e);
            } else if (!last.channels().containsAll(e.channels())) {
                Set<String> channels = new LinkedHashSet<>(last.channels());
                channels.addAll(e.channels());
                // same id, same message: the wire bytes stay shared
                out.set(out.size() - 1, new Event(last.id(), List.copyOf(channels), last.type(), last.data(), last.bytes()));
            }
        }
        return out;
    }
}
