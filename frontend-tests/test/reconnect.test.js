'use strict';
// The server goes away and comes back on the same port: both transports reconnect, resume
// from their last id and lose nothing published after the restart.

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('../lib/harness');

describe('reconnection', () => {
    const args = ['--retry', '300'];
    let server;
    let fixtures;
    let browser;
    let port;

    before(async () => {
        port = await h.freePort();
        server = await h.startServer({ port, args });
        fixtures = await h.startFixtureServer(server.origin); // the origin stays valid across restarts
        browser = await h.launchBrowser();
    });

    after(async () => {
        await browser?.close();
        await fixtures?.stop();
        await server?.stop();
    });

    async function subscriber(noEventSource) {
        const p = await h.openPage(browser, fixtures.page('base.html'), { noEventSource });
        await p.page.evaluate(() => {
            window.got = [];
            window.log = [];
            window.stream = $.eventsource({
                label: 'restart',
                url: window.SSE_URL,
                data: { channels: 'restart' },
                dataType: 'json',
                maxRetry: 1000,
                open: function (e) { window.log.push('open'); },
                error: function (e) { window.log.push('error'); },
                truncated: function (info) { window.log.push('truncated:' + info.lastEventId); },
                message: function (data) { window.got.push(data); },
            });
        });
        return p;
    }

    const count = (page, n) => page.waitForFunction((k) => window.got.length >= k, n, { timeout: 15000 });

    test('EventSource and long polling both resume after the server restarts', async () => {
        const native = await subscriber(false);
        const polling = await subscriber(true);
        try {
            await native.page.waitForFunction(() => window.log.includes('open'), null, { timeout: 10000 });
            await h.waitForConnections(server, 'poll', 1);
            const first = await h.publish(server, { channel: 'restart', message: '"before"' });
            await count(native.page, 1);
            await count(polling.page, 1);

            await server.stop();
            // both notice: EventSource at once, the poll when its request fails
            await native.page.waitForFunction(() => window.log.includes('error'), null, { timeout: 10000 });
            await polling.page.waitForFunction(() => window.log.includes('error'), null, { timeout: 10000 });

            server = await h.startServer({ port, args });
            // Published right away, most likely before either client is back: replay brings them
            for (let i = 1; i <= 5; i++) {
                await h.publish(server, { channel: 'restart', message: JSON.stringify('after-' + i) });
            }
            await count(native.page, 6);
            await count(polling.page, 6);
            // and once both are back, live events flow again
            await h.waitForConnections(server, 'stream', 1);
            await h.publish(server, { channel: 'restart', message: '"live"' });
            await count(native.page, 7);
            await count(polling.page, 7);

            const expected = ['before', 'after-1', 'after-2', 'after-3', 'after-4', 'after-5', 'live'];
            for (const p of [native, polling]) {
                const { got, log, transport } = await p.page.evaluate(() => ({
                    got: window.got, log: window.log, transport: window.stream.transport,
                }));
                assert.deepEqual(got, expected, transport);
                // The restarted server's history starts after the old ids: it says so, once
                assert.deepEqual(log.filter((l) => l.startsWith('truncated')), ['truncated:' + first.id], transport);
                assert.deepEqual(p.errors, []);
            }
            assert.deepEqual(await native.page.evaluate(() => window.stream.transport), 'eventsource');
            assert.deepEqual(await polling.page.evaluate(() => window.stream.transport), 'poll');
        } finally {
            await native.close();
            await polling.close();
        }
    });
});
