package io.ssebroadcaster.history;

import io.ssebroadcaster.hub.ChannelName;
import io.ssebroadcaster.hub.Event;
import io.ssebroadcaster.hub.EventId;
import io.ssebroadcaster.hub.History;
import io.ssebroadcaster.hub.ReplayLimit;
import io.ssebroadcaster.hub.ReplayMerge;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * Keeps the most recent events of each channel in memory, within three bounds: at most
 * {@code perChannel} events per channel, none older than {@code ttlMillis}, and at most
 * {@code maxBytes} of heap in all (oldest evicted first, whatever its channel).
 *
 * <p>The byte bound counts what history really costs in heap ({@link HistoryCost}): each kept event
 * once, however many channels keep it (its encoded bytes, data, names and records), and each channel
 * with history (its name, log, deques and map entry). A publish to 64 long channel names with an
 * empty message costs tens of kilobytes, not its few wire bytes.
 *
 * <p>Each channel remembers the newest id it has dropped (its floor): a client whose last id is
 * below a floor may have missed something, and its replay says so. A channel whose log empties is
 * forgotten, its floor folded into one shared floor, so unused channel names cost nothing.
 */
public final class MemoryHistory implements History {

    /** Logs whose deques held at least this many events are rebuilt when they shrink to a quarter. */
    private static final int REBUILD_MIN_PEAK = 64;

    private static final class Log {
        /** The map key: the name as the event that created the log carried it. */
        final String name;
        ArrayDeque<Event> events = new ArrayDeque<>(1);
        /** {@link #events}' holders, in the same order. */
        ArrayDeque<Held> held = new ArrayDeque<>(1);
        EventId floor;
        /** Most events held since the deques were (re)built: their arrays are sized for it. */
        int peak;
        /** Whether {@link #name} is counted here: once no kept event carries that copy of it. */
        boolean namePaid;

        Log(String name, EventId floor) {
            this.name = name;
            this.floor = floor;
        }
    }

    /** A kept event and how many channel logs keep it: its heap is freed when the last one drops it. */
    private static final class Held {
        final Event event;
        final long cost;
        int holders;

        Held(Event event, long cost) {
            this.event = event;
            this.cost = cost;
        }
    }

    /** How many channel names one replay's patterns may look at (a pattern such as {@code *x} looks at all). */
    static final int MAX_NAMES_EXAMINED = 20_000;

    private final int perChannel;
    private final long ttlMillis;
    private final long maxBytes;
    private final Map<String, Log> logs = new HashMap<>();
    /** The same names in order, so a pattern replay reads only those starting with its literal prefix. */
    private final NavigableSet<String> names = new TreeSet<>();
    /** Every kept event once, oldest first (and dead ones until {@link #compactIfMostlyDead}), for the byte budget. */
    private final ArrayDeque<Held> byAge = new ArrayDeque<>();
    private EventId forgottenFloor;
    private long bytes;
    private int liveEntries;
    private int liveEvents;

    /**
     * @param startFloor ids at or below this were issued before this history existed (e.g. by a
     *                   previous run): a client holding one is told it may have missed events
     * @param ttlMillis  0 keeps events until the other bounds drop them
     * @param maxBytes   heap history may take, as {@link HistoryCost} counts it
     */
    public MemoryHistory(int perChannel, long ttlMillis, long maxBytes, EventId startFloor) {
        this.perChannel = perChannel;
        this.ttlMillis = ttlMillis;
        this.maxBytes = maxBytes;
        this.forgottenFloor = startFloor;
    }

    @Override
    public synchronized void append(Event event) {
        if (perChannel == 0) {
            return;
        }
        Held held = new Held(event, HistoryCost.event(event));
        byAge.addLast(held);
        bytes += held.cost;
        liveEvents++;
        for (String channel : event.channels()) {
            Log log = logs.get(channel);
            if (log == null) {
                log = new Log(channel, forgottenFloor);
                logs.put(channel, log);
                bytes += HistoryCost.log(0);
                names.add(channel);
            }
            log.events.addLast(event);
            log.held.addLast(held);
            held.holders++;
            liveEntries++;
            if (log.events.size() > log.peak) {
                bytes += HistoryCost.log(log.events.size()) - HistoryCost.log(log.peak);
                log.peak = log.events.size();
            }
            if (log.events.size() > perChannel) {
                dropOldest(channel, log);
            }
        }
        while (bytes > maxBytes && !byAge.isEmpty()) {
            Held oldest = byAge.pollFirst();
            // The oldest kept event is at the head of every log that keeps it
            for (String channel : oldest.event.channels()) {
                Log log = logs.get(channel);
                if (log != null && log.events.peekFirst() == oldest.event) {
                    dropOldest(channel, log);
                }
            }
        }
        compactIfMostlyDead();
    }

    private void dropOldest(String channel, Log log) {
        Event dropped = log.events.pollFirst();
        Held held = log.held.pollFirst();
        log.floor = dropped.id();
        liveEntries--;
        if (--held.holders == 0) {
            release(held);
        }
        if (log.events.isEmpty()) {
            forget(channel, log);
        } else if (log.peak >= REBUILD_MIN_PEAK && log.events.size() <= log.peak / 4) {
            // ArrayDeque never shrinks its array: a log that once held many events would keep paying for them
            log.events = new ArrayDeque<>(log.events);
            log.held = new ArrayDeque<>(log.held);
            bytes -= HistoryCost.log(log.peak) - HistoryCost.log(log.events.size());
            log.peak = log.events.size();
        }
    }

    /** The last log dropped the event: its heap is free, except the names logs still use as keys. */
    private void release(Held held) {
        bytes -= held.cost;
        liveEvents--;
        for (String channel : held.event.channels()) {
            Log log = logs.get(channel);
            if (log != null && log.name == channel && !log.namePaid) {
                log.namePaid = true;
                bytes += HistoryCost.string(channel);
            }
        }
    }

    private void forget(String channel, Log log) {
        logs.remove(channel);
        names.remove(channel);
        bytes -= HistoryCost.log(log.peak) + (log.namePaid ? HistoryCost.string(log.name) : 0);
        if (log.floor.isAfter(forgottenFloor)) {
            forgottenFloor = log.floor;
        }
    }

    /** Events dropped by the per-channel or age bound stay in {@link #byAge} until swept here. */
    private void compactIfMostlyDead() {
        if (byAge.size() > 2 * liveEvents + 1024) {
            byAge.removeIf(h -> h.holders == 0);
        }
    }

    /** Heap counted against {@code maxBytes} now (for tests). */
    synchronized long bytes() {
        return bytes;
    }

    /**
     * Read newest first and only as far as the limit allows (events are shared, never copied), so a
     * replay costs at most the limit's worth of references, whatever history holds. A pattern looks
     * only at the names starting with its literal prefix, and one replay at no more than
     * {@link #MAX_NAMES_EXAMINED} of them (beyond, it says it may be incomplete): appends wait while
     * this runs.
     */
    @Override
    public synchronized Replay after(List<String> channels, EventId after, EventId upTo, ReplayLimit limit) {
        List<ReplayMerge.Source> sources = new ArrayList<>();
        boolean truncated = false;
        boolean sawPattern = false;
        int examined = 0;
        for (String name : channels) {
            if (ChannelName.isPattern(name)) {
                sawPattern = true;
                String prefix = name.substring(0, name.indexOf('*'));
                for (String channel : names.tailSet(prefix, true)) {
                    if (!channel.startsWith(prefix)) {
                        break;
                    }
                    if (++examined > MAX_NAMES_EXAMINED) {
                        truncated = true;
                        break;
                    }
                    if (ChannelName.matches(name, channel)) {
                        truncated |= add(logs.get(channel), after, upTo, sources);
                    }
                }
            } else {
                Log log = logs.get(name);
                if (log == null) {
                    truncated |= after.compareTo(forgottenFloor) < 0;
                } else {
                    truncated |= add(log, after, upTo, sources);
                }
            }
        }
        if (sawPattern) {
            truncated |= after.compareTo(forgottenFloor) < 0;
        }
        return ReplayMerge.newestFirst(sources, limit, truncated);
    }

    /** Adds the log as a source; true when some events it dropped were after {@code after} too. */
    private static boolean add(Log log, EventId after, EventId upTo, List<ReplayMerge.Source> sources) {
        sources.add(new LogSource(log, after, upTo));
        return after.compareTo(log.floor) < 0;
    }

    /** One channel's log newest first, from {@code upTo} down to just after {@code after}. */
    private static final class LogSource implements ReplayMerge.Source {
        private final Iterator<Event> newestFirst;
        private final EventId after;
        private Event head;

        LogSource(Log log, EventId after, EventId upTo) {
            this.newestFirst = log.events.descendingIterator();
            this.after = after;
            advance();
            while (head != null && upTo != null && head.id().isAfter(upTo)) {
                advance();
            }
        }

        @Override
        public Event peek() {
            return head;
        }

        @Override
        public void advance() {
            Event next = newestFirst.hasNext() ? newestFirst.next() : null;
            head = next != null && next.id().isAfter(after) ? next : null;
        }
    }

    @Override
    public synchronized void expire(long nowMillis) {
        if (ttlMillis <= 0) {
            return;
        }
        long cutoff = nowMillis - ttlMillis;
        for (Map.Entry<String, Log> e : List.copyOf(logs.entrySet())) {
            Log log = e.getValue();
            while (!log.events.isEmpty() && log.events.peekFirst().id().millis() < cutoff) {
                dropOldest(e.getKey(), log);
            }
        }
        compactIfMostlyDead();
    }

    @Override
    public synchronized int size() {
        return liveEntries;
    }
}
