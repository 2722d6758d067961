package io.ssebroadcaster.hub;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * Builds a bounded replay out of several id-ordered sources (one per channel, say), reading them
 * newest first and stopping at the {@link ReplayLimit}: what is kept is always the newest part, so
 * the replay ends where live delivery takes over and any gap is at its start, where the truncated
 * signal covers it. Each source is read only as far as needed, so a source that reads lazily (a Redis
 * stream, page by page) never holds more than the limit plus what it has read ahead.
 *
 * <p>A message published to several channels comes out of several sources with one id: it is kept
 * once, listing the channels of all its copies.
 */
public final class ReplayMerge {

    /** Events with ids in the replayed range, newest first. */
    public interface Source {
        /** The newest event not yet taken, or null when there is none left. */
        Event peek();

        /** Moves past the event {@link #peek} returned. */
        void advance();
    }

    private ReplayMerge() {
    }

    /**
     * @param truncated already known to have a gap at its start (history dropped events the client missed)
     * @return oldest first, each id once; truncated when it was so already or the limit cut it
     */
    public static History.Replay newestFirst(Collection<? extends Source> sources, ReplayLimit limit,
                                             boolean truncated) {
        PriorityQueue<Source> heads = new PriorityQueue<>(Math.max(1, sources.size()),
                (a, b) -> b.peek().id().compareTo(a.peek().id()));
        for (Source s : sources) {
            if (s.peek() != null) {
                heads.add(s);
            }
        }
        List<Event> kept = new ArrayList<>();
        long bytes = 0;
        boolean cut = false;
        while (!heads.isEmpty()) {
            Source source = heads.poll();
            Event e = source.peek();
            source.advance();
            if (source.peek() != null) {
                heads.add(source);
            }
            Event last = kept.isEmpty() ? null : kept.getLast();
            if (last != null && last.id().equals(e.id())) {
                kept.set(kept.size() - 1, union(last, e));
                continue;
            }
            if (kept.size() >= limit.maxEvents() || bytes + e.size() > limit.maxBytes()) {
                cut = true;
                break;
            }
            kept.add(e);
            bytes += e.size();
        }
        Collections.reverse(kept);
        return new History.Replay(List.copyOf(kept), truncated || cut);
    }

    /** A list already newest first, as a source. */
    public static Source of(List<Event> newestFirst) {
        return new Source() {
            private int next;

            @Override
            public Event peek() {
                return next < newestFirst.size() ? newestFirst.get(next) : null;
            }

            @Override
            public void advance() {
                next++;
            }
        };
    }

    /** One message seen in two channels' histories: one event with the channels of both. */
    private static Event union(Event a, Event b) {
        if (a == b || a.channels().containsAll(b.channels())) {
            return a;
        }
        Set<String> channels = new LinkedHashSet<>(a.channels());
        channels.addAll(b.channels());
        // same id, same message: the wire bytes stay shared
        return new Event(a.id(), List.copyOf(channels), a.type(), a.data(), a.bytes());
    }
}
