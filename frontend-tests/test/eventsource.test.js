'use strict';
// $.eventsource from jquery.eventsource.js: native EventSource and the long-polling fallback.

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('../lib/harness');

describe('jquery.eventsource.js', () => {
    let server;
    let fixtures;
    let browser;

    before(async () => {
        server = await h.startServer({ args: ['--retry', '400', '--poll-timeout', '5'] });
        fixtures = await h.startFixtureServer(server.origin);
        browser = await h.launchBrowser();
    });

    after(async () => {
        await browser?.close();
        await fixtures?.stop();
        await server?.stop();
    });

    /** Opens a $.eventsource stream in the page, recording into window.got / window.log. */
    async function startStream(page, options) {
        await page.evaluate((opts) => {
            window.got = [];
            window.log = [];
            window.stream = $.eventsource($.extend({
                url: window.SSE_URL,
                open: function (e) { window.log.push('open:' + e.transport); },
                error: function (e) { window.log.push('error:' + e.retryIn); },
                message: function (data, e) { window.got.push({ data: data, type: e.type, id: e.lastEventId }); },
            }, opts));
        }, options);
    }

    test('native stream: data option, every event once and in order, streams and close', async () => {
        const p = await h.openPage(browser, fixtures.page('base.html'));
        try {
            await startStream(p.page, { label: 'both', data: { channels: ['es-a', 'es-b'] }, dataType: 'json' });
            await p.page.waitForFunction(() => window.log.includes('open:eventsource'), null, { timeout: 10000 });
            const state = await p.page.evaluate(() => {
                const s = $.eventsource('streams', 'both');
                return { transport: s.transport, readyState: s.readyState, url: s.url, labels: Object.keys($.eventsource('streams')) };
            });
            assert.equal(state.transport, 'eventsource');
            assert.equal(state.readyState, 1);
            assert.equal(state.url, server.url + '?channels=es-a&channels=es-b');
            assert.deepEqual(state.labels, ['both']);

            const ids = [];
            ids.push((await h.publish(server, { channel: 'es-a', message: '{"a": 1}' })).id);
            ids.push((await h.publish(server, { channel: 'es-b', message: 'not json {' })).id);
            ids.push((await h.publish(server, { channel: ['es-a', 'es-b'], message: '[5]' })).id);
            await h.publish(server, { channel: 'es-c', message: '"other channel"' });
            ids.push((await h.publish(server, { channel: 'es-b', message: { nested: [true] }, json: true })).id);
            await p.page.waitForFunction(() => window.got.length >= 4, null, { timeout: 10000 });
            assert.deepEqual(await p.page.evaluate(() => window.got), [
                { data: { a: 1 }, type: 'message', id: ids[0] },
                { data: 'not json {', type: 'message', id: ids[1] },
                { data: [5], type: 'message', id: ids[2] },
                { data: { nested: [true] }, type: 'message', id: ids[3] },
            ]);

            await p.page.evaluate(() => $.eventsource('close', 'both'));
            assert.deepEqual(await p.page.evaluate(() => [window.stream.readyState, $.eventsource('streams', 'both'),
                Object.keys($.eventsource('streams')).length]), [2, null, 0]);
            assert.deepEqual(p.errors, []);
        } finally {
            await p.close();
        }
    });

    test('long polling without window.EventSource: a burst of 50 arrives in order, none lost or doubled', async () => {
        const p = await h.openPage(browser, fixtures.page('base.html'), { noEventSource: true });
        try {
            assert.equal(await p.page.evaluate(() => typeof window.EventSource), 'undefined');
            const requests = [];
            p.page.on('request', (r) => {
                if (r.url().startsWith(server.url + '?')) {
                    requests.push({ url: new URL(r.url()), headers: r.headers() });
                }
            });
            const polls = (await h.stats(server)).connections.poll;
            await startStream(p.page, { label: 'burst', data: { channels: 'burst' }, dataType: 'json' });
            assert.equal(await p.page.evaluate(() => window.stream.transport), 'poll');
            // The first poll carries no id: wait until the server holds it before publishing
            await h.waitForConnections(server, 'poll', polls + 1);
            const ids = [];
            for (let i = 0; i < 50; i++) {
                ids.push((await h.publish(server, { channel: 'burst', message: JSON.stringify({ n: i }) })).id);
            }
            await p.page.waitForFunction(() => window.got.length >= 50, null, { timeout: 15000 });
            // One more, so a late duplicate of the burst would show up before it
            const endId = (await h.publish(server, { channel: 'burst', message: '"end"' })).id;
            await p.page.waitForFunction(() => window.got.length >= 51, null, { timeout: 10000 });
            const got = await p.page.evaluate(() => window.got);
            assert.equal(got.length, 51);
            assert.deepEqual(got.map((e) => e.data), [...Array.from({ length: 50 }, (_, n) => ({ n })), 'end']);
            assert.deepEqual(got.map((e) => e.id), [...ids, endId]);
            const s = await p.page.evaluate(() => ({ retry: window.stream.retry, last: window.stream.lastEventId, log: window.log }));
            assert.equal(s.retry, 400, "the server's retry: is honoured");
            assert.equal(s.last, endId);
            assert.equal(s.log[0], 'open:poll');
            assert.ok(!s.log.some((l) => l.startsWith('error')), s.log.join());
            // Plain GETs with query parameters only (no custom header, so no CORS preflight);
            // each poll after the first sends the last id it saw
            assert.ok(requests.length >= 2, `${requests.length} polls`);
            for (const [i, r] of requests.entries()) {
                assert.equal(r.url.searchParams.get('transport'), 'poll');
                assert.deepEqual(r.url.searchParams.getAll('channels'), ['burst']);
                assert.equal(r.url.searchParams.has('lastEventId'), i > 0, r.url.search);
                assert.deepEqual(Object.keys(r.headers).filter((k) => /^x-|^last-event-id$/i.test(k)), []);
            }
            await p.page.evaluate(() => $.eventsource('close'));
            assert.deepEqual(p.errors, []);
        } finally {
            await p.close();
        }
    });

    test('polling delivers named events listed in events (as EventSource would) and skips the others', async () => {
        const p = await h.openPage(browser, fixtures.page('base.html'), { noEventSource: true });
        try {
            const polls = (await h.stats(server)).connections.poll;
            await startStream(p.page, { data: 'channels=named', events: 'price alert' });
            await h.waitForConnections(server, 'poll', polls + 1);
            await h.publish(server, { channel: 'named', message: 'one' });
            await h.publish(server, { channel: 'named', message: 'two', event: 'price' });
            await h.publish(server, { channel: 'named', message: 'three', event: 'unlisted' });
            await h.publish(server, { channel: 'named', message: 'line 1\nline 2', event: 'alert' });
            await p.page.waitForFunction(() => window.got.length >= 3, null, { timeout: 10000 });
            assert.deepEqual((await p.page.evaluate(() => window.got)).map((e) => [e.type, e.data]), [
                ['message', 'one'], ['price', 'two'], ['alert', 'line 1\nline 2'],
            ]);
            await p.page.evaluate(() => $.eventsource('close'));
        } finally {
            await p.close();
        }
    });

    test('a poll that fails is retried with a growing delay, capped at maxRetry', async () => {
        const p = await h.openPage(browser, fixtures.page('base.html'), { noEventSource: true });
        try {
            const closedPort = await h.freePort(); // nothing listens there
            await p.page.evaluate((url) => {
                window.delays = [];
                $.eventsource({
                    label: 'nowhere', url: url, data: { channels: 'x' }, retry: 40, maxRetry: 200,
                    error: function (e) { window.delays.push(e.retryIn); },
                });
            }, `http://127.0.0.1:${closedPort}/`);
            await p.page.waitForFunction(() => window.delays.length >= 6, null, { timeout: 10000 });
            const delays = (await p.page.evaluate(() => window.delays)).slice(0, 6);
            await p.page.evaluate(() => $.eventsource('close', 'nowhere'));
            // 40, 80, 160, then the 200 cap; each with up to 10% of jitter
            [40, 80, 160, 200, 200, 200].forEach((base, i) => {
                assert.ok(delays[i] >= base && delays[i] <= base * 1.1 + 1, `delay ${i}: ${delays[i]} for ${base}`);
            });
        } finally {
            await p.close();
        }
    });

    test('parse() reads the event-stream format like EventSource does', async () => {
        const p = await h.openPage(browser, fixtures.page('base.html'));
        try {
            const parsed = await p.page.evaluate(() => $.eventsource.parse(
                ': ok\r\nretry: 250\r\n\r\nid: 1-0\ndata: a\ndata:b\n\n' +
                'event: x\ndata\n\nid: 2-0\n\n: comment\nid: 3-0\ndata:  two spaces\rfoo: bar\r\r' +
                'data: unterminated\n', '0-0'));
            assert.deepEqual(parsed, {
                retry: 250,
                lastEventId: '3-0',
                events: [
                    { type: 'message', data: 'a\nb', lastEventId: '1-0', hasId: true },
                    { type: 'x', data: '', lastEventId: '1-0', hasId: false },
                    { type: 'message', data: ' two spaces', lastEventId: '3-0', hasId: true },
                ],
            });
        } finally {
            await p.close();
        }
    });
});
