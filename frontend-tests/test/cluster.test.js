'use strict';
// On Redis Cluster a client of several channels holds one id per channel. A browser's own
// EventSource and the long-polling fallback keep it, send it back, and resume on a restarted node
// with exactly what they missed on each channel, published meanwhile through another node.

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('../lib/harness');
const { startRedisCluster } = require('../lib/redis-cluster');

describe('Redis Cluster', () => {
    let cluster;
    let nodeA;
    let nodeB;
    let fixtures;
    let browser;
    let portA;
    let args;
    const channels = [];

    before(async () => {
        cluster = await startRedisCluster();
        args = ['--redis-cluster', cluster.seeds, '--retry', '300'];
        // three channels in three thirds of the slots: one on each master of a fresh cluster
        for (let i = 0; channels.length < 3; i++) {
            const name = `cl-${i}-${Date.now()}`;
            const third = Math.floor(cluster.slot(name) / 5462);
            if (!channels.some((c) => c.third === third)) {
                channels.push({ name, third });
            }
        }
        portA = await h.freePort();
        nodeA = await h.startServer({ port: portA, args });
        nodeB = await h.startServer({ args });
        fixtures = await h.startFixtureServer(nodeA.origin);
        browser = await h.launchBrowser();
    });

    after(async () => {
        await browser?.close();
        await fixtures?.stop();
        await nodeA?.stop();
        await nodeB?.stop();
        cluster?.stop();
    });

    async function subscriber(noEventSource) {
        const p = await h.openPage(browser, fixtures.page('base.html'), { noEventSource });
        await p.page.evaluate((names) => {
            window.got = [];
            window.log = [];
            window.stream = $.eventsource({
                label: 'cluster',
                url: window.SSE_URL,
                data: { channels: names },
                dataType: 'json',
                maxRetry: 1000,
                open: function () { window.log.push('open'); },
                error: function () { window.log.push('error'); },
                truncated: function (info) { window.log.push('truncated:' + info.lastEventId); },
                message: function (data, e) { window.got.push(data); window.lastId = e.lastEventId; },
            });
        }, channels.map((c) => c.name));
        return p;
    }

    const count = (page, n) => page.waitForFunction((k) => window.got.length >= k, n, { timeout: 20000 });

    test('EventSource and long polling resume on a restarted node from their place in each channel', async () => {
        const native = await subscriber(false);
        const polling = await subscriber(true);
        try {
            await native.page.waitForFunction(() => window.log.includes('open'), null, { timeout: 10000 });
            await h.waitForConnections(nodeA, 'poll', 1);
            for (const c of channels) {
                await h.publish(nodeB, { channel: c.name, message: JSON.stringify(c.name + ':before') });
            }
            await count(native.page, 3);
            await count(polling.page, 3);
            for (const p of [native, polling]) {
                const id = await p.page.evaluate(() => window.lastId);
                assert.match(id, /^\d+-\d+,\d+-\d+,\d+-\d+$/, 'one place per channel: ' + id);
            }

            await nodeA.stop();
            await native.page.waitForFunction(() => window.log.includes('error'), null, { timeout: 10000 });
            await polling.page.waitForFunction(() => window.log.includes('error'), null, { timeout: 10000 });
            // missed while away, published on the other node
            for (let i = 1; i <= 3; i++) {
                for (const c of channels) {
                    await h.publish(nodeB, { channel: c.name, message: JSON.stringify(`${c.name}:after-${i}`) });
                }
            }
            nodeA = await h.startServer({ port: portA, args });
            await count(native.page, 12);
            await count(polling.page, 12);
            await h.waitForConnections(nodeA, 'stream', 1);
            await h.publish(nodeB, { channel: channels[1].name, message: '"live"' });
            await count(native.page, 13);
            await count(polling.page, 13);

            for (const p of [native, polling]) {
                const got = await p.page.evaluate(() => window.got);
                for (const c of channels) {
                    assert.deepEqual(got.filter((m) => m.startsWith(c.name + ':')),
                        ['before', 'after-1', 'after-2', 'after-3'].map((s) => `${c.name}:${s}`),
                        'each channel: what it missed, in order, once');
                }
                assert.equal(got.length, 13, 'nothing twice: ' + JSON.stringify(got));
                const log = await p.page.evaluate(() => window.log);
                assert.ok(!log.some((l) => l.startsWith('truncated')), 'no gap reported: ' + log);
            }
        } finally {
            await native.close();
            await polling.close();
        }
    });
});
