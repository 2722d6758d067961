/* The demo page: subscribe with $('#log').sse(...), publish with POST /publish, poll /stats. */
(function ($) {
    'use strict';

    var MAX_ROWS = 500;
    var STATS_EVERY_MS = 2000;
    var names = $.eventsource.names;
    var $log = $('#log');
    var $rows = $log.find('tbody');
    var count = 0;

    function pad(n, width) {
        var s = String(n);
        while (s.length < width) {
            s = '0' + s;
        }
        return s;
    }

    function now() {
        var d = new Date();
        return pad(d.getHours(), 2) + ':' + pad(d.getMinutes(), 2) + ':' + pad(d.getSeconds(), 2) + '.' + pad(d.getMilliseconds(), 3);
    }

    function show(value) {
        return typeof value === 'string' ? value : JSON.stringify(value);
    }

    function status(state, text) {
        $('#status').attr('class', 'pill state-' + state).text(text);
    }

    /** Adds a row at the top of the log; system rows (open, errors) have no id. */
    function addRow(id, type, data, cls) {
        var $tr = $('<tr class="fresh">').addClass(cls || '');
        $('<td class="c-time">').text(now()).appendTo($tr);
        $('<td class="c-id">').text(id || '').appendTo($tr);
        $('<td class="c-type">').text(type).toggleClass('type-named', type !== 'message' && !cls).appendTo($tr);
        $('<td class="c-data">').text(data).appendTo($tr);
        $rows.prepend($tr);
        $rows.children().slice(MAX_ROWS).remove();
        $('#log-empty').hide();
    }

    // ------------------------------------------------------------------ subscribe

    function connect() {
        var channels = names($('#channels').val());
        if (!channels.length) {
            addRow('', 'error', 'enter at least one channel', 'system bad');
            return;
        }
        var events = names($('#events').val());
        $log.attr({'data-sse-address': '/', 'data-sse-channels': channels.join(',')});
        // "sse.message" is jQuery event "sse" in namespace "message": only a handler bound with
        // that namespace sees it, so each name is bound (and .off('sse') removes them all)
        $log.off('sse').on($.map(['open', 'error', 'truncated', 'message'].concat(events), function (name) {
            return 'sse.' + name;
        }).join(' '), onSse);
        $log.sse({
            label: 'demo',
            type: $('#datatype').val(),
            transport: $('#transport').val(),
            events: events
        });
        // a poll only "opens" with its first answer: an event, or the server's poll timeout
        var stream = $log.sse('stream');
        status('connecting', stream && stream.transport === 'poll' ? 'polling…' : 'connecting');
        addRow('', 'connect', 'channels ' + channels.join(', '), 'system');
        if (window.history && window.history.replaceState) {
            window.history.replaceState(null, '', '?channels=' + encodeURIComponent(channels.join(',')));
        }
    }

    function disconnect() {
        $log.sse('close');
        status('closed', 'closed');
        addRow('', 'close', 'disconnected', 'system');
    }

    function onSse(e, a, b) {
        switch (e.namespace) {
            case 'open':
                status('open', 'open · ' + a.transport);
                addRow('', 'open', 'connected with ' + a.transport, 'system');
                break;
            case 'error':
                status('connecting', 'reconnecting');
                addRow('', 'error', a.retryIn == null ? 'connection lost; the browser reconnects'
                    : 'connection failed; retrying in ' + a.retryIn + ' ms', 'system bad');
                break;
            case 'truncated':
                addRow('', 'truncated', 'history did not reach back to ' + (a && a.lastEventId) + ': events may be missing', 'system bad');
                break;
            default: // sse.message, or sse.<name> for a named event
                count++;
                $('#event-count').text(count);
                if (b && b.lastEventId) {
                    $('#last-id').text(b.lastEventId);
                }
                // the data as it came (b.data); `a` is what the plugin parsed from it
                addRow(b ? b.lastEventId : '', b ? b.type : e.namespace, b ? b.data : show(a));
        }
    }

    $('#sub-form').on('submit', function (e) {
        e.preventDefault();
        connect();
    });
    $('#disconnect').on('click', disconnect);
    $('#clear-log').on('click', function () {
        $rows.empty();
        count = 0;
        $('#event-count').text(0);
        $('#log-empty').show();
    });

    // ------------------------------------------------------------------ publish

    $('.chip').on('click', function () {
        $('#pub-message').val($(this).attr('data-sample')).trigger('focus');
    });

    $('#pub-form').on('submit', function (e) {
        e.preventDefault();
        var data = {message: $('#pub-message').val(), channel: names($('#pub-channels').val())};
        var event = ($('#pub-event').val() || '').replace(/^\s+|\s+$/g, '');
        var key = $('#pub-key').val();
        if (event) {
            data.event = event;
        }
        if (key) {
            data.key = key;
        }
        var $result = $('#pub-result').attr('class', 'result').text('sending…');
        $.ajax({url: '/publish', type: 'POST', data: data, traditional: true, dataType: 'json'})
            .done(function (res) {
                $result.addClass('ok').text('ok · ' + res.id);
            })
            .fail(function (xhr) {
                var message = xhr.responseJSON && xhr.responseJSON.error;
                $result.addClass('bad').text((xhr.status || 'network error') + (message ? ' · ' + message : ''));
            });
    });

    // ------------------------------------------------------------------ stats

    function refreshStats() {
        $.ajax({url: '/stats', dataType: 'json', cache: false})
            .done(function (s) {
                $.each({stream: s.connections.stream, poll: s.connections.poll, total: s.connections.total,
                    published: s.published, deliveries: s.deliveries, replayed: s.replayed,
                    slowDropped: s.slowDropped, historySize: s.historySize}, function (name, value) {
                    $('#stat-' + name).text(value);
                });
                var $body = $('#channels-table tbody').empty();
                $.each(s.channels, function (i, pair) {
                    $('<tr>').append($('<td>').text(pair[0]), $('<td>').text(pair[1])).appendTo($body);
                });
                if (!s.channels.length) {
                    $body.append('<tr><td class="muted" colspan="2">no subscribers</td></tr>');
                }
                $('#stats-updated').text('updated ' + now().slice(0, 8));
            })
            .fail(function () {
                $('#stats-updated').text('server unreachable');
            });
    }

    // ------------------------------------------------------------------ start

    var fromUrl = /[?&]channels=([^&]*)/.exec(window.location.search);
    if (fromUrl) {
        $('#channels').val(decodeURIComponent(fromUrl[1].replace(/\+/g, ' ')));
        $('#pub-channels').val(names($('#channels').val())[0] || 'base');
    }
    connect();
    refreshStats();
    setInterval(refreshStats, STATS_EVERY_MS);
}(window.jQuery));
