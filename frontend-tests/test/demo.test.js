'use strict';
// The demo page at /demo/: subscribe, publish from its form, watch the log and the stats.

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const h = require('../lib/harness');

const ARTIFACTS = path.join(__dirname, '..', 'artifacts');

describe('demo page', () => {
    let server;
    let browser;

    before(async () => {
        server = await h.startServer({ args: ['--retry', '500'] });
        browser = await h.launchBrowser();
    });

    after(async () => {
        await browser?.close();
        await server?.stop();
    });

    async function publishFromForm(page, { channels, event = '', message }) {
        const before = await page.locator('#pub-result').textContent();
        await page.fill('#pub-channels', channels);
        await page.fill('#pub-event', event);
        await page.fill('#pub-message', message);
        await page.click('#publish');
        await page.waitForFunction((prev) => {
            const text = document.querySelector('#pub-result').textContent;
            return text !== prev && text.startsWith('ok · ');
        }, before, { timeout: 10000 });
        return (await page.locator('#pub-result').textContent()).slice('ok · '.length);
    }

    /** The log's message rows (not the system ones), oldest first, as [id, type, data]. */
    function rows(page) {
        return page.$$eval('#log tbody tr:not(.system)', (trs) => trs.reverse().map((tr) =>
            [tr.querySelector('.c-id').textContent, tr.querySelector('.c-type').textContent, tr.querySelector('.c-data').textContent]));
    }

    test('publishes from its form, logs what arrives and shows /stats', async () => {
        const p = await h.openPage(browser, server.origin + '/demo/?channels=base,demo', { viewport: { width: 1280, height: 760 } });
        try {
            await p.page.waitForFunction(() => /^open/.test(document.querySelector('#status').textContent), null, { timeout: 10000 });
            assert.equal(await p.page.inputValue('#channels'), 'base,demo');
            assert.equal(await p.page.textContent('#status'), 'open · eventsource');

            const id1 = await publishFromForm(p.page, { channels: 'base', message: '[1, 2, 3]' });
            const id2 = await publishFromForm(p.page, { channels: 'demo', message: '{"user": "ada", "text": "hello"}' });
            await h.publish(server, { channel: 'elsewhere', message: '"not subscribed"' });
            const id3 = await publishFromForm(p.page, { channels: 'demo, base', message: 'plain text' });
            await p.page.waitForFunction(() => document.querySelectorAll('#log tbody tr:not(.system)').length >= 3, null, { timeout: 10000 });
            assert.deepEqual(await rows(p.page), [
                [id1, 'message', '[1, 2, 3]'],
                [id2, 'message', '{"user": "ada", "text": "hello"}'],
                [id3, 'message', 'plain text'],
            ]);
            assert.equal(await p.page.textContent('#event-count'), '3');
            assert.equal(await p.page.textContent('#last-id'), id3);

            // The stats panel refreshes by itself: wait for it to count our publishes
            await p.page.waitForFunction(() => Number(document.querySelector('#stat-published').textContent) >= 4, null, { timeout: 10000 });
            assert.ok(Number(await p.page.textContent('#stat-stream')) >= 1);
            const channelCells = await p.page.$$eval('#channels-table tbody td:first-child', (tds) => tds.map((td) => td.textContent));
            assert.ok(channelCells.includes('base') && channelCells.includes('demo'), channelCells.join());

            // Named events: subscribe to one by name, publish it with an event name
            await p.page.fill('#events', 'price');
            await p.page.click('#connect');
            await p.page.waitForFunction(() => /^open/.test(document.querySelector('#status').textContent), null, { timeout: 10000 });
            const id4 = await publishFromForm(p.page, { channels: 'demo', event: 'price', message: '["price", {"symbol": "ACME", "bid": 12.5}]' });
            await p.page.waitForFunction((id) => [...document.querySelectorAll('#log .c-id')].some((td) => td.textContent === id), id4, { timeout: 10000 });
            assert.deepEqual((await rows(p.page)).pop(), [id4, 'price', '["price", {"symbol": "ACME", "bid": 12.5}]']);

            fs.mkdirSync(ARTIFACTS, { recursive: true });
            await p.page.screenshot({ path: path.join(ARTIFACTS, 'demo.png') });
            assert.deepEqual(p.errors, []);
        } finally {
            await p.close();
        }
    });

    test('works with long polling too', async () => {
        const polls = (await h.stats(server)).connections.poll;
        const p = await h.openPage(browser, server.origin + '/demo/', { noEventSource: true });
        try {
            await h.waitForConnections(server, 'poll', polls + 1);
            const id = await publishFromForm(p.page, { channels: 'base', message: '{"via": "poll"}' });
            await p.page.waitForFunction(() => document.querySelectorAll('#log tbody tr:not(.system)').length >= 1, null, { timeout: 10000 });
            assert.deepEqual(await rows(p.page), [[id, 'message', '{"via": "poll"}']]);
            assert.equal(await p.page.textContent('#status'), 'open · poll');
            assert.deepEqual(p.errors, []);
        } finally {
            await p.close();
        }
    });
});
