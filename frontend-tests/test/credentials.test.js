'use strict';
// EventSource with credentials from another origin, as htmx's SSE extension always opens it
// (`new EventSource(url, {withCredentials: true})`), against the default `--cors-origins *`.

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('../lib/harness');

describe('credentialed EventSource from another origin (htmx)', () => {
    let open;
    let withAuth;
    let fixtures;
    let browser;

    before(async () => {
        open = await h.startServer();
        withAuth = await h.startServer({ args: ['--jwt-secret', '0123456789abcdef0123456789abcdef-test'] });
        fixtures = await h.startFixtureServer(open.origin); // the page's origin: neither server's
        browser = await h.launchBrowser();
    });

    after(async () => {
        await browser?.close();
        await fixtures?.stop();
        await withAuth?.stop();
        await open?.stop();
    });

    /** Opens a native EventSource in the page, recording into window.log and window.got. */
    function connect(page, url, withCredentials) {
        return page.evaluate(({ u, c }) => {
            window.log = [];
            window.got = [];
            window.es = new EventSource(u, { withCredentials: c });
            window.es.onopen = () => window.log.push('open');
            window.es.onerror = () => window.log.push('error');
            window.es.onmessage = (e) => window.got.push(e.data);
        }, { u: url, c: withCredentials });
    }

    test('with no authentication configured, the stream opens and delivers', async () => {
        const p = await h.openPage(browser, fixtures.page('base.html'));
        try {
            await connect(p.page, open.url + '?channels=htmx', true);
            await p.page.waitForFunction(() => window.log.includes('open'), null, { timeout: 10000 });
            await h.publish(open, { channel: 'htmx', message: 'hello htmx' });
            await p.page.waitForFunction(() => window.got.length >= 1, null, { timeout: 10000 });
            assert.deepEqual(await p.page.evaluate(() => window.got), ['hello htmx']);
            assert.deepEqual(await p.page.evaluate(() => window.log), ['open']);
        } finally {
            await p.page.evaluate(() => window.es.close());
            await p.close();
        }
    });

    test('with tokens configured, the browser is refused the credentialed stream but not a plain one', async () => {
        const p = await h.openPage(browser, fixtures.page('base.html'));
        try {
            await connect(p.page, withAuth.url + '?channels=htmx', true);
            await p.page.waitForFunction(() => window.log.includes('error'), null, { timeout: 10000 });
            assert.ok(!(await p.page.evaluate(() => window.log)).includes('open'));
            await p.page.evaluate(() => window.es.close());

            // the same stream without credentials opens: only the credentials were refused
            await connect(p.page, withAuth.url + '?channels=htmx', false);
            await p.page.waitForFunction(() => window.log.includes('open'), null, { timeout: 10000 });
        } finally {
            await p.page.evaluate(() => window.es.close());
            await p.close();
        }
    });
});
