/*!
 * jquery.sse.js - element plugins on top of jquery.eventsource.js, part of SSE Broadcaster.
 *
 * One connection per element:
 *   <div id="sse-handler" data-sse-address="http://localhost:8888/" data-sse-channels="base"></div>
 *   $('#sse-handler').sse({debug: true}).on('sse.message', function (e, data) { ... });
 *
 * One connection for every element of a selector, with events dispatched by type:
 *   <div class="sse" data-sse-channels="prices" data-sse-events="price"></div>
 *   $.sse({url: 'http://localhost:8888/'});
 *   // a message ["price", {...}] triggers 'sse.price' with {...} on that element
 *
 * Load jquery.eventsource.js before this file.
 */
(function (factory) {
    if (typeof define === 'function' && define.amd) {
        define(['jquery', './jquery.eventsource'], factory);
    } else {
        factory(window.jQuery);
    }
}(function ($) {
    'use strict';

    if (!$ || !$.eventsource) {
        throw new Error('jquery.sse.js needs jQuery and jquery.eventsource.js: load them first');
    }

    var names = $.eventsource.names;
    var DATA_KEY = 'sse.stream';
    var counter = 0;

    function log(enabled) {
        if (enabled && window.console && window.console.log) {
            // (IE 9's console.log has no .apply of its own)
            Function.prototype.apply.call(window.console.log, window.console, Array.prototype.slice.call(arguments, 1));
        }
    }

    function union(a, b) {
        return names(names(a).concat(names(b)));
    }

    /** The options passed to $.eventsource that both plugins share. */
    function streamOptions(opts, url, channels, events) {
        var data = $.extend({}, opts.data);
        if (channels.length) {
            data.channels = channels;
        }
        var out = {
            label: opts.label,
            url: url,
            data: data,
            dataType: opts.type === 'text' ? 'text' : 'json',
            events: events
        };
        $.each(['transport', 'retry', 'maxRetry', 'pollTimeout', 'lastEventId', 'withCredentials'], function (i, key) {
            if (opts[key] !== undefined && opts[key] !== null) {
                out[key] = opts[key];
            }
        });
        return out;
    }

    // ---------------------------------------------------------------- $('#el').sse(options)

    $.fn.sse = function (options) {
        if (options === 'close') {
            return this.each(function () {
                var stream = $.data(this, DATA_KEY);
                if (stream) {
                    stream.close();
                    $.removeData(this, DATA_KEY);
                }
            });
        }
        if (options === 'stream') {
            return this.length ? $.data(this[0], DATA_KEY) || null : null;
        }
        var several = this.length > 1;
        return this.each(function (index) {
            var el = this;
            var $el = $(el);
            var opts = $.extend({}, $.fn.sse.defaults, options);
            var url = opts.address || $el.attr('data-sse-address');
            if (!url) {
                throw new Error('.sse(): no address (data-sse-address or the address option)');
            }
            var channels = names(opts.channels != null ? opts.channels : $el.attr('data-sse-channels'));
            var events = union($el.attr('data-sse-events'), opts.events);
            if (!opts.label) {
                opts.label = 'sse-' + (el.id || 'element-' + (++counter));
            } else if (several) {
                opts.label += '-' + index; // one label per connection
            }
            var previous = $.data(el, DATA_KEY);
            if (previous) {
                previous.close();
            }
            var settings = streamOptions(opts, url, channels, events);
            log(opts.debug, '[sse] connecting to', url, 'channels:', channels.join(', ') || '(none)');
            settings.open = function (e) {
                log(opts.debug, '[sse] open (' + e.transport + ')', url);
                $el.trigger('sse.open', [e]);
            };
            settings.message = function (data, e) {
                log(opts.debug, '[sse] ' + e.type, data);
                // the array wrapper keeps an array message in one argument
                $el.trigger(e.type === 'message' ? 'sse.message' : 'sse.' + e.type, [data, e]);
            };
            settings.error = function (e) {
                log(opts.debug, '[sse] error (' + e.transport + '), ' +
                    (e.retryIn == null ? 'the browser reconnects' : 'retrying in ' + e.retryIn + ' ms'));
                $el.trigger('sse.error', [e]);
            };
            settings.truncated = function (info, e) {
                log(opts.debug, '[sse] history truncated: events after ' + (info && info.lastEventId) + ' may be missing');
                $el.trigger('sse.truncated', [info, e]);
            };
            $.data(el, DATA_KEY, $.eventsource(settings));
        });
    };

    $.fn.sse.defaults = {
        /** Log the connection and every message with console.log. */
        debug: false,
        /** 'json' (parse each message, raw text when it is not JSON) or 'text'. */
        type: 'json',
        /** The $.eventsource label; default "sse-" + the element's id (given for several elements: label-0, label-1, ...). */
        label: null,
        /** Server URL; default the element's data-sse-address. */
        address: null,
        /** Array or "a,b"; default the element's data-sse-channels. */
        channels: null,
        /** Named SSE events to listen for, besides those in data-sse-events. */
        events: null,
        /** Extra query parameters. */
        data: null
    };

    // ---------------------------------------------------------------- $.sse(options)

    function listsType(el, type) {
        return indexOf(names($(el).attr('data-sse-events')), type) >= 0;
    }

    function indexOf(list, value) {
        for (var i = 0; i < list.length; i++) {
            if (list[i] === value) {
                return i;
            }
        }
        return -1;
    }

    $.sse = function (options, label) {
        if (options === 'close') { // $.sse('close') or $.sse('close', label)
            $.eventsource('close', label || $.sse.defaults.label);
            return undefined;
        }
        var opts = $.extend({}, $.sse.defaults, options);
        var $els = $(opts.selector);
        var url = opts.url || $els.first().attr('data-sse-address');
        if (!url) {
            throw new Error('$.sse(): no url (the url option or data-sse-address on the first element)');
        }
        var channels = names(opts.channels);
        var events = names(opts.events);
        $els.each(function () {
            channels = union(channels, $(this).attr('data-sse-channels'));
            events = union(events, $(this).attr('data-sse-events'));
        });
        var prefix = opts.eventPrefix;

        // The selector is looked up again for every event, so elements added later take part
        function all() {
            return $(opts.selector);
        }

        function dispatch(type, payload, e) {
            all().filter(function () {
                return listsType(this, type);
            }).trigger(prefix + type, [payload, e]);
        }

        var settings = streamOptions(opts, url, channels, events);
        log(opts.debug, '[sse] connecting to', url, 'channels:', channels.join(', ') || '(none)');
        settings.open = function (e) {
            log(opts.debug, '[sse] open (' + e.transport + ')', url);
            all().trigger(prefix + 'open', [e]);
        };
        settings.message = function (data, e) {
            log(opts.debug, '[sse] ' + e.type, data);
            if (e.type !== 'message') {
                dispatch(e.type, data, e); // a native "event:" name
            } else if (Object.prototype.toString.call(data) === '[object Array]' &&
                data.length === 2 && typeof data[0] === 'string') {
                dispatch(data[0], data[1], e); // the ["event_type", data] convention
            } else {
                all().trigger(prefix + 'message', [data, e]);
            }
        };
        settings.error = function (e) {
            log(opts.debug, '[sse] error (' + e.transport + ')');
            all().trigger(prefix + 'error', [e]);
        };
        settings.truncated = function (info, e) {
            log(opts.debug, '[sse] history truncated after ' + (info && info.lastEventId));
            all().trigger(prefix + 'truncated', [info, e]);
        };
        return $.eventsource(settings);
    };

    $.sse.defaults = {
        /** Server URL; default the first matching element's data-sse-address. */
        url: null,
        /** The elements to subscribe for and to dispatch to. */
        selector: '.sse',
        debug: false,
        /** Prefix of the jQuery events triggered on the elements. */
        eventPrefix: 'sse.',
        /** 'json' or 'text' ("text" turns the ["event_type", data] dispatch off). */
        type: 'json',
        /** The $.eventsource label: a second $.sse() with the same label replaces the first. */
        label: 'sse',
        /** More channels and event names besides the elements' data-sse-channels/-events. */
        channels: null,
        events: null,
        data: null
    };

    return $.sse;
}));
