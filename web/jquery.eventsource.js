/*!
 * jquery.eventsource.js - Server-Sent Events for jQuery, part of SSE Broadcaster.
 *
 * Opens a native EventSource where the browser has one, and long-polls the same URL
 * (transport=poll) where it does not. Either way each event reaches `message(data, event)`
 * once and in order.
 *
 *   $.eventsource({label: 'feed', url: 'http://localhost:8888/', data: {channels: ['a', 'b']},
 *                  dataType: 'json', message: function (data, event) { ... }});
 *   $.eventsource('streams', 'feed');   // the stream object ($.eventsource('streams'): all of them)
 *   $.eventsource('close', 'feed');     // ($.eventsource('close'): all of them)
 *
 * Written in ES5 (no arrow functions, no let/const) so it still loads in the old browsers the
 * long-polling transport exists for.
 */
(function (factory) {
    if (typeof define === 'function' && define.amd) {
        define(['jquery'], factory);
    } else {
        factory(window.jQuery);
    }
}(function ($) {
    'use strict';

    if (!$) {
        throw new Error('jquery.eventsource.js needs jQuery: load /static/jquery.min.js first');
    }

    var CONNECTING = 0;
    var OPEN = 1;
    var CLOSED = 2;
    /** Named event the server sends (without an id) when its history could not cover a gap. */
    var TRUNCATED_EVENT = 'sse-history-truncated';
    /** A poll answered faster than this with no event is not a long poll: wait before the next. */
    var QUICK_ANSWER_MS = 1000;
    /** How many explicit ids a polling stream remembers to drop a repeated event. */
    var RECENT_IDS = 100;

    var streams = {};
    var counter = 0;

    function noop() {
    }

    // Own helpers rather than $.isArray, $.isFunction, $.trim: deprecated, and gone in jQuery 4
    var isArray = Array.isArray || function (value) {
        return Object.prototype.toString.call(value) === '[object Array]';
    };

    function isFunction(value) {
        return typeof value === 'function';
    }

    function indexOf(list, value) {
        for (var i = 0; i < list.length; i++) {
            if (list[i] === value) {
                return i;
            }
        }
        return -1;
    }

    /** "a b,c" or ['a', 'b'] -> ['a', 'b', 'c'], without empty or repeated names. */
    function names(value) {
        var out = [];
        var list = isArray(value) ? value : (value == null ? [] : String(value).split(/[\s,]+/));
        for (var i = 0; i < list.length; i++) {
            var name = String(list[i] == null ? '' : list[i]).replace(/^\s+|\s+$/g, '');
            if (name && indexOf(out, name) < 0) {
                out.push(name);
            }
        }
        return out;
    }

    /** Appends query parameters (object, traditional arrays: channels=a&channels=b; or a string). */
    function withQuery(url, params) {
        var query = typeof params === 'string' ? params.replace(/^[?&]+/, '') : $.param(params || {}, true);
        if (!query) {
            return url;
        }
        var hash = '';
        var at = url.indexOf('#');
        if (at >= 0) {
            hash = url.slice(at);
            url = url.slice(0, at);
        }
        var sep = url.indexOf('?') < 0 ? '?' : (/[?&]$/.test(url) ? '' : '&');
        return url + sep + query + hash;
    }

    function decode(raw, dataType) {
        if (dataType !== 'json') {
            return raw;
        }
        try {
            return JSON.parse(raw);
        } catch (e) {
            return raw; // not JSON after all: hand over the text rather than throw
        }
    }

    /** Runs a user callback; an exception is reported (asynchronously) without stopping the stream. */
    function call(fn, stream, args) {
        try {
            fn.apply(stream, args);
        } catch (e) {
            setTimeout(function () {
                throw e;
            }, 0);
        }
    }

    /**
     * Parses a complete text/event-stream body the way the HTML standard says an EventSource
     * does. Returns {events: [{type, data, lastEventId, hasId}], retry, lastEventId}. An event not
     * ended by a blank line is incomplete and dropped; a block with an id but no data only moves
     * the last id.
     */
    function parseEventStream(text, lastEventId) {
        var lines = String(text).replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
        lines.pop(); // what follows the last line break is not a whole line
        var events = [];
        var retry = null;
        var lastId = lastEventId == null ? '' : String(lastEventId);
        var data = [];
        var type = '';
        var hasId = false;
        for (var i = 0; i < lines.length; i++) {
            var line = lines[i];
            if (line === '') {
                if (data.length) {
                    events.push({type: type || 'message', data: data.join('\n'), lastEventId: lastId, hasId: hasId});
                }
                data = [];
                type = '';
                hasId = false;
                continue;
            }
            if (line.charAt(0) === ':') {
                continue; // a comment: ": ok", ": ping", ": timeout"
            }
            var colon = line.indexOf(':');
            var field = colon < 0 ? line : line.slice(0, colon);
            var value = colon < 0 ? '' : line.slice(colon + 1);
            if (value.charAt(0) === ' ') {
                value = value.slice(1);
            }
            if (field === 'data') {
                data.push(value);
            } else if (field === 'event') {
                type = value;
            } else if (field === 'id') {
                if (value.indexOf('\u0000') < 0) {
                    lastId = value;
                    hasId = true;
                }
            } else if (field === 'retry') {
                if (/^\d+$/.test(value)) {
                    retry = parseInt(value, 10);
                }
            }
        }
        return {events: events, retry: retry, lastEventId: lastId};
    }

    /** One connection: what $.eventsource() returns and $.eventsource('streams', label) finds. */
    function Stream(options) {
        this.label = options.label;
        this.options = options;
        this.url = withQuery(options.url, options.data);
        this.transport = options.transport === 'poll' || options.transport === 'eventsource'
            ? options.transport
            : (typeof window.EventSource === 'function' || typeof window.EventSource === 'object' ? 'eventsource' : 'poll');
        this.eventNames = names(options.events);
        this.readyState = CONNECTING;
        this.lastEventId = options.lastEventId ? String(options.lastEventId) : null;
        this.retry = options.retry;
        this.failures = 0;
        this.source = null;
        this.xhr = null;
        this.timer = null;
        this.recentIds = [];
        this.truncatedFor = undefined;
    }

    Stream.prototype.close = function () {
        if (this.readyState === CLOSED) {
            return;
        }
        this.readyState = CLOSED;
        clearTimeout(this.timer);
        this.timer = null;
        if (this.source) {
            this.source.close();
            this.source = null;
        }
        if (this.xhr) {
            var xhr = this.xhr;
            this.xhr = null;
            xhr.abort();
        }
        if (streams[this.label] === this) {
            delete streams[this.label];
        }
    };

    Stream.prototype.isOpen = function () {
        return this.readyState === OPEN;
    };

    /** The delay before the next attempt after `failures` failures in a row, capped at maxRetry. */
    Stream.prototype.backoff = function () {
        var base = Math.max(this.retry, 0);
        var delay = base * Math.pow(2, Math.min(this.failures - 1, 16));
        delay = Math.min(delay, Math.max(this.options.maxRetry, base));
        // up to 10% of jitter so that a restarted server is not hit by every client at once
        return Math.round(delay * (1 + Math.random() * 0.1));
    };

    Stream.prototype.schedule = function (delay, fn) {
        var stream = this;
        clearTimeout(this.timer);
        this.timer = setTimeout(function () {
            stream.timer = null;
            if (stream.readyState !== CLOSED) {
                fn.call(stream);
            }
        }, delay);
    };

    Stream.prototype.connect = function () {
        if (this.transport === 'eventsource') {
            this.connectNative();
        } else {
            this.poll();
        }
    };

    Stream.prototype.opened = function (original) {
        this.failures = 0;
        if (this.readyState !== OPEN) {
            this.readyState = OPEN;
            call(this.options.open, this, [{type: 'open', transport: this.transport, originalEvent: original || null}]);
        }
    };

    Stream.prototype.failed = function (info) {
        this.readyState = CONNECTING;
        info.type = 'error';
        info.transport = this.transport;
        info.failures = this.failures;
        call(this.options.error, this, [info]);
    };

    /** Hands one event to the callbacks; false when the stream was closed meanwhile. */
    Stream.prototype.dispatch = function (type, raw, lastEventId, original) {
        if (this.readyState === CLOSED) {
            return false;
        }
        var event = {
            type: type,
            data: raw,
            lastEventId: lastEventId || '',
            label: this.label,
            transport: this.transport,
            originalEvent: original || null
        };
        if (type === TRUNCATED_EVENT) {
            var info = decode(raw, 'json');
            var since = info && info.lastEventId;
            if (this.truncatedFor !== since) { // a polling client is told once per id, not per poll
                this.truncatedFor = since;
                call(this.options.truncated, this, [info, event]);
            }
            if (indexOf(this.eventNames, type) < 0) {
                return true;
            }
        } else if (type !== 'message' && indexOf(this.eventNames, type) < 0) {
            // EventSource only reports the names it listens for: polling behaves the same
            return true;
        }
        call(this.options.message, this, [decode(raw, this.options.dataType), event]);
        return this.readyState !== CLOSED;
    };

    Stream.prototype.connectNative = function () {
        var stream = this;
        var url = this.lastEventId ? withQuery(this.url, {lastEventId: this.lastEventId}) : this.url;
        var source = this.options.withCredentials
            ? new window.EventSource(url, {withCredentials: true})
            : new window.EventSource(url);
        this.source = source;

        function onEvent(e) {
            if (stream.source !== source) {
                return;
            }
            if (e.lastEventId) {
                stream.lastEventId = e.lastEventId;
            }
            stream.dispatch(e.type, e.data, e.lastEventId, e);
        }

        source.onopen = function (e) {
            if (stream.source === source) {
                stream.opened(e);
            }
        };
        source.onmessage = onEvent;
        var listen = this.eventNames.concat(indexOf(this.eventNames, TRUNCATED_EVENT) < 0 ? [TRUNCATED_EVENT] : []);
        for (var i = 0; i < listen.length; i++) {
            if (listen[i] !== 'message') {
                source.addEventListener(listen[i], onEvent, false);
            }
        }
        source.onerror = function (e) {
            if (stream.source !== source) {
                return;
            }
            stream.failures++;
            if (source.readyState === 2) {
                // The browser gave up (an HTTP error or a wrong Content-Type): we try again,
                // sending the last id as a parameter since a new EventSource has none.
                source.close();
                stream.source = null;
                var delay = stream.backoff();
                stream.failed({retryIn: delay, originalEvent: e});
                if (stream.readyState !== CLOSED) {
                    stream.schedule(delay, stream.connectNative);
                }
            } else {
                // The browser reconnects by itself after the server's retry: delay
                stream.failed({retryIn: null, originalEvent: e});
            }
        };
    };

    Stream.prototype.poll = function () {
        var stream = this;
        var params = {transport: 'poll'};
        if (this.lastEventId) {
            params.lastEventId = this.lastEventId;
        }
        var started = new Date().getTime();
        var settings = {
            url: withQuery(this.url, params),
            type: 'GET',
            dataType: 'text',
            cache: false,
            timeout: this.options.pollTimeout
        };
        if (this.options.withCredentials) {
            settings.xhrFields = {withCredentials: true};
        }
        var xhr = $.ajax(settings);
        this.xhr = xhr;
        xhr.done(function (body) {
            if (stream.xhr !== xhr) {
                return;
            }
            stream.xhr = null;
            stream.opened(null);
            var parsed = parseEventStream(body, stream.lastEventId);
            if (parsed.retry !== null) {
                stream.retry = parsed.retry;
            }
            var delivered = 0;
            var truncated = false;
            for (var i = 0; i < parsed.events.length; i++) {
                var ev = parsed.events[i];
                if (ev.type === TRUNCATED_EVENT) {
                    truncated = true;
                } else {
                    delivered++;
                }
                if (ev.hasId) {
                    if (indexOf(stream.recentIds, ev.lastEventId) >= 0) {
                        continue; // already delivered
                    }
                    stream.recentIds.push(ev.lastEventId);
                    if (stream.recentIds.length > RECENT_IDS) {
                        stream.recentIds.shift();
                    }
                    stream.lastEventId = ev.lastEventId;
                }
                if (!stream.dispatch(ev.type, ev.data, ev.lastEventId, null)) {
                    return;
                }
            }
            if (parsed.lastEventId) {
                stream.lastEventId = parsed.lastEventId; // an id-only block moves it too
            }
            if (stream.readyState === CLOSED || stream.xhr || stream.timer) {
                return; // a callback closed or restarted the stream
            }
            // A long poll that came back at once with nothing (say, only the truncation notice,
            // which repeats until our id moves) must not turn into a busy loop.
            var quick = new Date().getTime() - started < QUICK_ANSWER_MS;
            stream.schedule(delivered === 0 && (quick || truncated) ? stream.retry : 0, stream.poll);
        });
        xhr.fail(function (jq, textStatus) {
            if (stream.xhr !== xhr) {
                return; // closed (aborted) or superseded
            }
            stream.xhr = null;
            stream.failures++;
            var delay = stream.backoff();
            var retryAfter = parseInt(jq.getResponseHeader && jq.getResponseHeader('Retry-After'), 10);
            if (retryAfter > 0) {
                delay = Math.max(delay, retryAfter * 1000);
            }
            stream.failed({retryIn: delay, status: jq.status, textStatus: textStatus, originalEvent: null});
            if (stream.readyState !== CLOSED) {
                stream.schedule(delay, stream.poll);
            }
        });
    };

    function open(options) {
        var opts = $.extend({}, $.eventsource.defaults, options);
        if (!opts.url) {
            throw new Error('$.eventsource: the url option is required');
        }
        if (opts.label == null || opts.label === '') {
            opts.label = 'eventsource-' + (++counter);
        }
        opts.label = String(opts.label);
        opts.open = isFunction(opts.open) ? opts.open : noop;
        opts.message = isFunction(opts.message) ? opts.message : noop;
        opts.error = isFunction(opts.error) ? opts.error : noop;
        opts.truncated = isFunction(opts.truncated) ? opts.truncated : noop;
        if (streams[opts.label]) {
            streams[opts.label].close();
        }
        var stream = new Stream(opts);
        streams[opts.label] = stream;
        stream.connect();
        return stream;
    }

    $.eventsource = function (options, label) {
        if (options === 'close') {
            if (label === undefined) {
                $.each($.extend({}, streams), function (name, stream) {
                    stream.close();
                });
            } else if (streams[label]) {
                streams[label].close();
            }
            return undefined;
        }
        if (options === 'streams') {
            if (label === undefined) {
                return $.extend({}, streams);
            }
            return streams[label] || null;
        }
        if (typeof options === 'string') {
            throw new Error('$.eventsource: unknown command "' + options + '" (use "close" or "streams")');
        }
        return open(options || {});
    };

    $.eventsource.defaults = {
        /** Name under which 'streams' and 'close' find the stream; generated when missing. */
        label: null,
        /** The server URL, e.g. http://localhost:8888/ */
        url: null,
        /** Extra query parameters: {channels: ['a', 'b']} -> channels=a&channels=b (or a string). */
        data: null,
        /** 'json' parses each event's data (the raw text when it is not JSON); 'text' does not. */
        dataType: 'text',
        /** Named events (SSE "event:" field) to deliver to message(), as an array or "a b,c". */
        events: null,
        /** 'auto' (EventSource when the browser has it, else long polling), 'eventsource' or 'poll'. */
        transport: 'auto',
        /** Ms before reconnecting until the server sends its retry: (polling and manual reconnects). */
        retry: 3000,
        /** Cap of the exponential backoff after consecutive failures, in ms. */
        maxRetry: 30000,
        /** Ms a poll request may take before it counts as failed (above the server's poll timeout). */
        pollTimeout: 60000,
        /** Resume after this id (sent as lastEventId) instead of starting with live events. */
        lastEventId: null,
        /** Send cookies cross-origin (with tokens configured, the server must list origins instead of "*"). */
        withCredentials: false,
        open: noop,
        message: noop,
        error: noop,
        truncated: noop
    };

    $.eventsource.CONNECTING = CONNECTING;
    $.eventsource.OPEN = OPEN;
    $.eventsource.CLOSED = CLOSED;
    $.eventsource.TRUNCATED_EVENT = TRUNCATED_EVENT;
    /** Exposed for tests and for other transports: parses a whole text/event-stream body. */
    $.eventsource.parse = parseEventStream;
    $.eventsource.names = names;
    $.eventsource.withQuery = withQuery;

    return $.eventsource;
}));
