'use strict';
// $('#el').sse() and $.sse() from jquery.sse.js, on a page of another origin.

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('../lib/harness');

describe('jquery.sse.js', () => {
    let server;
    let fixtures;
    let browser;

    before(async () => {
        server = await h.startServer({ args: ['--retry', '300'] });
        fixtures = await h.startFixtureServer(server.origin);
        browser = await h.launchBrowser();
    });

    after(async () => {
        await browser?.close();
        await fixtures?.stop();
        await server?.stop();
    });

    /** The page after its element stream opened (sse.open sets window.sseOpen). */
    async function openedPage(name, options) {
        const p = await h.openPage(browser, fixtures.page(name), options);
        await p.page.waitForFunction(() => window.sseOpen === true, null, { timeout: 10000 });
        return p;
    }

    test("the seed's markup with debug: true logs the published array to the console", async () => {
        const p = await openedPage('seed.html');
        try {
            await h.publish(server, { channel: 'base', message: '[1, 2, 3]' });
            // console messages carry the logged values themselves: find the one that is [1, 2, 3]
            const logged = await h.waitFor(async () => {
                for (const msg of p.console) {
                    if (msg.type() !== 'log') {
                        continue;
                    }
                    for (const arg of msg.args()) {
                        const value = await arg.jsonValue();
                        if (Array.isArray(value) && value.length === 3) {
                            return { value, text: msg.text() };
                        }
                    }
                }
                return null;
            }, { message: 'console.log of the array' });
            assert.deepEqual(logged.value, [1, 2, 3]);
            const texts = p.console.map((m) => m.text());
            assert.ok(texts.some((t) => t.startsWith('[sse] connecting to') && t.includes(server.url) && t.includes('base')),
                'the connection is logged too: ' + texts.join(' | '));
            assert.deepEqual(p.errors, []);
        } finally {
            await p.close();
        }
    });

    test("type: 'text' passes the plain text through; json falls back to the text when it is not JSON", async () => {
        const p = await h.openPage(browser, fixtures.page('base.html'));
        try {
            await p.page.evaluate(() => {
                window.got = { text: [], json: [] };
                window.opened = 0;
                for (const kind of ['text', 'json']) {
                    $('<div>').attr({ id: kind, 'data-sse-address': window.SSE_URL, 'data-sse-channels': 'plain' })
                        .appendTo('#area')
                        .on('sse.open', () => { window.opened++; })
                        .on('sse.message', (e, data) => window.got[kind].push(data))
                        .sse(kind === 'text' ? { type: 'text' } : {});
                }
            });
            await p.page.waitForFunction(() => window.opened === 2, null, { timeout: 10000 });
            await h.publish(server, { channel: 'plain', message: '[1, 2, 3]' });
            await h.publish(server, { channel: 'plain', message: 'hello, world' });
            await h.publish(server, { channel: 'plain', message: '{"a": {"b": null}}' });
            await p.page.waitForFunction(() => window.got.text.length === 3 && window.got.json.length === 3, null, { timeout: 10000 });
            const got = await p.page.evaluate(() => window.got);
            assert.deepEqual(got.text, ['[1, 2, 3]', 'hello, world', '{"a": {"b": null}}']);
            assert.deepEqual(got.json, [[1, 2, 3], 'hello, world', { a: { b: null } }]);
            assert.deepEqual(p.errors, []);
        } finally {
            await p.close();
        }
    });

    test('options override the data- attributes, and named SSE events trigger sse.<name>', async () => {
        const p = await h.openPage(browser, fixtures.page('base.html'));
        try {
            await p.page.evaluate(() => {
                window.got = [];
                $('<div id="el" data-sse-address="http://127.0.0.1:9/nothing-here" data-sse-channels="not-this-one" data-sse-events="price">')
                    .appendTo('#area')
                    .on('sse.open sse.message sse.price sse.alert sse.unlisted', (e, data, meta) => {
                        if (e.namespace === 'open') {
                            window.sseOpen = true;
                        } else if (e.namespace !== 'error') {
                            window.got.push([e.namespace, data, meta.type]);
                        }
                    })
                    .sse({ address: window.SSE_URL, channels: 'opt-a, opt-b', events: ['alert'] });
            });
            await p.page.waitForFunction(() => window.sseOpen === true, null, { timeout: 10000 });
            await h.publish(server, { channel: 'opt-a', message: '{"n": 1}' });
            await h.publish(server, { channel: 'opt-b', message: '{"bid": 2}', event: 'price' });
            await h.publish(server, { channel: 'opt-a', message: '"careful"', event: 'alert' });
            await h.publish(server, { channel: 'opt-b', message: '"nobody listens"', event: 'unlisted' });
            await h.publish(server, { channel: 'not-this-one', message: '"wrong channel"' });
            await h.publish(server, { channel: 'opt-b', message: '"last"' });
            await p.page.waitForFunction(() => window.got.length >= 4, null, { timeout: 10000 });
            assert.deepEqual(await p.page.evaluate(() => window.got), [
                ['message', { n: 1 }, 'message'],
                ['price', { bid: 2 }, 'price'],
                ['alert', 'careful', 'alert'],
                ['message', 'last', 'message'],
            ]);
            // After 'close' nothing more arrives: a second element on the same channel proves the
            // next event was sent (the server itself only notices the closed socket at its next heartbeat)
            assert.equal(await p.page.evaluate(() => $('#el').sse('close').sse('stream')), null);
            await p.page.evaluate(() => {
                window.witness = [];
                $('<div id="witness">').appendTo('#area')
                    .on('sse.open', () => { window.witnessOpen = true; })
                    .on('sse.message', (e, data) => window.witness.push(data))
                    .sse({ address: window.SSE_URL, channels: 'opt-a' });
            });
            await p.page.waitForFunction(() => window.witnessOpen === true, null, { timeout: 10000 });
            await h.publish(server, { channel: 'opt-a', message: '"after close"' });
            await p.page.waitForFunction(() => window.witness.length === 1, null, { timeout: 10000 });
            assert.equal(await p.page.evaluate(() => window.got.length), 4);
            assert.equal(await p.page.evaluate(() => $.eventsource('streams', 'sse-el')), null);
            assert.deepEqual(p.errors, []);
        } finally {
            await p.close();
        }
    });

    for (const transport of ['eventsource', 'poll']) {
        test(`$.sse dispatches ["event_type", data] and named events by data-sse-events (${transport})`, async () => {
            const p = await openedPageOrPoll(transport);
            try {
                assert.equal(await p.page.evaluate(() => window.stream.transport), transport);
                await h.publish(server, { channel: 'market', message: '["price", {"bid": 1.5}]' });
                await h.publish(server, { channel: 'headlines', message: '["headline", "rates unchanged"]' });
                await h.publish(server, { channel: 'market', message: '{"level": 2}', event: 'alert' });
                await h.publish(server, { channel: 'market', message: '["unknown", 0]' });
                await h.publish(server, { channel: 'elsewhere', message: '["price", "not subscribed"]' });
                await h.publish(server, { channel: ['market', 'headlines'], message: '{"plain": true}' });
                await h.publish(server, { channel: 'headlines', message: '["price", 99]' });
                await p.page.waitForFunction(() => window.got.prices.length >= 3, null, { timeout: 10000 });
                const got = await p.page.evaluate(() => window.got);
                assert.deepEqual(got.prices, [['price', { bid: 1.5 }], ['message', { plain: true }], ['price', 99]]);
                assert.deepEqual(got.news, [['headline', 'rates unchanged'], ['alert', { level: 2 }], ['message', { plain: true }]]);
                assert.deepEqual(got.outsider, [], 'an element outside the selector gets nothing');
                assert.deepEqual(p.errors, []);
            } finally {
                await p.page.evaluate(() => $.sse('close'));
                await p.close();
            }
        });
    }

    async function openedPageOrPoll(transport) {
        const url = fixtures.page('dispatch.html') + '?transport=' + transport;
        if (transport === 'eventsource') {
            return openedPage(url.slice(fixtures.origin.length + 1));
        }
        // A poll opens when its first answer comes: wait for the server to hold it instead
        const before = (await h.stats(server)).connections.poll;
        const p = await h.openPage(browser, url);
        await h.waitForConnections(server, 'poll', before + 1);
        return p;
    }
});
