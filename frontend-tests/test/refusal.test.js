'use strict';
// Refusals a browser survives. A native EventSource gives up for good on any answer other than
// 200 text/event-stream, so when the server cannot take a subscriber (the connection cap, hub
// overload, shutting down) it answers an EventSource request with 200 text/event-stream, a comment
// saying why and a random `retry:` from --refusal-retry, and ends the response: the client comes back
// by itself after that delay. Long polls and requests that do not accept text/event-stream keep
// getting 503 with Retry-After and a JSON error. At SIGTERM every open stream gets such a comment and
// retry: after what was queued for it, then ends.
//
// Driven with the npm `eventsource` client (the WHATWG EventSource in Node) and with Chromium's own.

const { describe, test } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const net = require('node:net');
const { EventSource } = require('eventsource');
const h = require('../lib/harness');

const CLOSED = 2;
const SSE = { Accept: 'text/event-stream' };
const ELSEWHERE = 'http://app.example.test';

/**
 * A raw GET read as it arrives: `status`, `headers`, `body` so far, `ended` (the response ended
 * cleanly) or `error` (the connection failed or was cut mid-response).
 */
function openRaw(url, headers = {}) {
    const s = { status: 0, headers: null, body: '', ended: false, error: null };
    s.req = http.get(url, { headers, agent: false }, (res) => {
        s.status = res.statusCode;
        s.headers = res.headers;
        res.setEncoding('utf8');
        res.on('data', (d) => { s.body += d; });
        res.on('end', () => { s.ended = true; });
        res.on('error', (e) => { s.error = s.error || e; });
    });
    s.req.on('error', (e) => { s.error = s.error || e; });
    s.close = () => s.req.destroy();
    s.describe = () => `status ${s.status}, ${s.ended ? 'ended' : s.error ? 'failed: ' + s.error.message : 'still open'}, `
        + `body ${JSON.stringify(s.body.slice(0, 400))}`;
    return s;
}

/** A raw GET that must end within `timeout`: `{ status, headers, body }`. */
async function rawGet(url, headers = {}, timeout = 10000) {
    const s = openRaw(url, headers);
    try {
        await h.waitFor(() => s.ended || s.error, { timeout, interval: 10, message: `the answer to GET ${url} to end` });
    } catch (e) {
        throw new Error(`${e.message} (${s.describe()})`);
    } finally {
        s.close();
    }
    assert.equal(s.error, null, `GET ${url}: ${s.describe()}`);
    return { status: s.status, headers: s.headers, body: s.body };
}

/**
 * Checks event-stream text that must hold no event, only what a refusal or a goodbye carries:
 * comment lines, at least one of them saying something (not a bare `:` or `: ping`), and exactly one
 * `retry:` field within [min, max]; no `data:`, `event:` or `id:` (an `id:` would move the client's
 * Last-Event-ID, and it would skip what it missed), every line terminated (a parser drops an
 * unterminated last line). Returns the retry value.
 */
function retryOfFinalWords(text, min, max, what) {
    const lines = text.split(/\r\n|\r|\n/);
    const unterminated = lines.pop();
    const show = JSON.stringify(text);
    assert.equal(unterminated, '', `${what}: the last line is terminated: ${show}`);
    const fields = lines.filter((l) => l !== '');
    const retries = fields.filter((l) => l.startsWith('retry:'));
    assert.deepEqual(fields.filter((l) => !l.startsWith(':') && !l.startsWith('retry:')), [],
        `${what}: nothing but comments and retry: ${show}`);
    assert.ok(fields.some((l) => l.startsWith(':') && !/^:\s*(ping)?\s*$/.test(l)), `${what}: a comment saying why: ${show}`);
    assert.equal(retries.length, 1, `${what}: one retry: field: ${show}`);
    const m = /^retry: ?(\d+)$/.exec(retries[0]);
    assert.ok(m, `${what}: retry: is a number of milliseconds: ${show}`);
    const retry = Number(m[1]);
    assert.ok(retry >= min && retry <= max, `${what}: retry: ${retry} is within ${min}-${max}`);
    return retry;
}

/** A Node EventSource with everything it reported: opens, errors (with the state at that moment), messages. */
function watch(url, name) {
    const es = new EventSource(url);
    const w = { name, es, opens: 0, errors: [], messages: [], closedByTest: false };
    es.onopen = () => { w.opens++; };
    es.onerror = (e) => { w.errors.push({ at: Date.now(), state: es.readyState, code: e.code, message: e.message }); };
    es.onmessage = (e) => { w.messages.push(e.data); };
    w.close = () => {
        w.closedByTest = true;
        es.close();
    };
    return w;
}

function gaveUp(w) {
    return `EventSource "${w.name}" reached readyState CLOSED (2): it will never reconnect. Its errors: `
        + JSON.stringify(w.errors.map(({ state, code, message }) => ({ state, code, message })));
}

/** No watched EventSource gave up: none CLOSED unless the test closed it, every error left it CONNECTING. */
function assertNeverClosed(watched) {
    for (const w of watched) {
        if (!w.closedByTest) {
            assert.notEqual(w.es.readyState, CLOSED, gaveUp(w));
        }
        assert.ok(w.errors.every((e) => e.state === 0), gaveUp(w));
    }
}

/** waitFor(check), failing at once, and saying why, when a watched EventSource gives up. */
async function until(watched, check, options) {
    let dead = null;
    await h.waitFor(async () => {
        dead = watched.find((w) => !w.closedByTest && w.es.readyState === CLOSED);
        return dead || check();
    }, options);
    if (dead) {
        assert.fail(gaveUp(dead));
    }
}

/**
 * The delays between a refused client's consecutive errors: each is the server's retry: (within
 * [min, max]) plus one request, so none is shorter than min, and the shortest is far below the 3 s a
 * client waits when it was sent no retry: at all.
 */
function assertReconnectGaps(times, min, max, what) {
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    assert.ok(gaps.length >= 2, `${what}: ${gaps.length} reconnections`);
    // 20 ms for the timers' granularity; a loaded two-core machine may take a second for a request
    assert.ok(gaps.every((g) => g >= min - 20) && Math.min(...gaps) <= max + 1000,
        `${what}: reconnected ${gaps.join(', ')} ms after each refusal (retry window ${min}-${max})`);
}

/** Both answers a long poll or a non-EventSource request gets at the cap: 503, Retry-After, JSON. */
async function assertPlain503(url, headers, what) {
    const r = await rawGet(url, headers);
    assert.equal(r.status, 503, `${what}: ${r.body}`);
    assert.match(String(r.headers['retry-after']), /^\d+$/, `${what}: Retry-After`);
    assert.match(String(r.headers['content-type']), /^application\/json/, `${what}: content type`);
    const body = JSON.parse(r.body);
    assert.equal(body.status, 'error', what);
    assert.equal(typeof body.error, 'string', what);
}

describe('refusals a browser survives', () => {
    test('at --max-connections an EventSource is refused with 200 + retry:, keeps coming back and gets in when a slot frees', async () => {
        const server = await h.startServer({
            args: ['--max-connections', '2', '--refusal-retry', '200-600', '--heartbeat', '1'],
        });
        const url = server.url + '?channels=cap';
        const watched = [];
        try {
            const first = watch(url, 'first');
            const second = watch(url, 'second');
            watched.push(first, second);
            await h.waitForConnections(server, 'stream', 2);
            await h.publish(server, { channel: 'cap', message: 'before' });
            await until(watched, () => first.messages.length && second.messages.length,
                { message: 'the first two EventSources to receive a message' });

            // The third is turned away again and again, and never gives up
            const third = watch(url, 'third');
            watched.push(third);
            await until(watched, () => third.errors.length >= 4,
                { timeout: 15000, message: 'the third EventSource to be refused four times' });
            assertNeverClosed(watched);
            assert.deepEqual(third.messages, []);
            assertReconnectGaps(third.errors.map((e) => e.at), 200, 600, 'the third EventSource');

            // What the refusal is, on the wire
            const refusedBefore = (await h.stats(server)).refused;
            assert.ok(refusedBefore && ['connections', 'overload', 'shutdown'].every((k) => Number.isInteger(refusedBefore[k])),
                `/stats has refused: {connections, overload, shutdown}: ${JSON.stringify(refusedBefore)}`);
            const retries = [];
            for (let i = 0; i < 8; i++) {
                const r = await rawGet(url, { ...SSE, Origin: ELSEWHERE });
                assert.equal(r.status, 200, `a refused EventSource request gets 200: ${r.body}`);
                assert.match(String(r.headers['content-type']), /^text\/event-stream;\s*charset=utf-8$/i);
                assert.ok([ELSEWHERE, '*'].includes(r.headers['access-control-allow-origin']),
                    `CORS on the refusal too, or a page on another origin sees a network error: ${r.headers['access-control-allow-origin']}`);
                retries.push(retryOfFinalWords(r.body, 200, 600, 'the refusal'));
            }
            assert.ok(new Set(retries).size >= 2, `the retry is random within the window: ${retries}`);
            const refusedAfter = (await h.stats(server)).refused;
            assert.ok(refusedAfter.connections >= refusedBefore.connections + 8,
                `refused.connections counts them: ${refusedBefore.connections} then ${refusedAfter.connections}`);
            assert.equal(refusedAfter.shutdown, 0);

            // Long polls and requests that do not accept text/event-stream: still 503
            await assertPlain503(server.url + '?channels=cap&transport=poll', {}, 'a long poll at the cap');
            await assertPlain503(url, {}, 'a GET without Accept: text/event-stream at the cap');

            // A slot frees: the third gets in by itself and receives what is published from then on
            first.close();
            const sent = [];
            await until(watched, async () => {
                if (third.messages.length) {
                    return true;
                }
                sent.push('after-' + sent.length);
                await h.publish(server, { channel: 'cap', message: sent.at(-1) });
                return false;
            }, { timeout: 20000, interval: 250, message: 'the third EventSource to get in and receive a message' });
            const from = sent.indexOf(third.messages[0]);
            assert.ok(from >= 0, `the third receives one of the messages published after the slot freed: ${third.messages}`);
            await until(watched, () => second.messages.length === 1 + sent.length && third.messages.length === sent.length - from,
                { message: 'every message to arrive' });
            assert.deepEqual(second.messages, ['before', ...sent]);
            assert.deepEqual(third.messages, sent.slice(from));
            assertNeverClosed(watched);
        } finally {
            for (const w of watched) {
                w.es.close();
            }
            await server.stop();
        }
    });

    test('while the server is overloaded an EventSource is refused with 200 + retry:, and gets in once the load is gone', async () => {
        // --max-backlog 1: the writers count as overloaded while any stream has waited 1 ms in their line,
        // which a publish to 1,500 readers makes happen on this machine, so overload can be driven for real
        const server = await h.startServer({
            args: ['--max-backlog', '1', '--refusal-retry', '200-400', '--queue-limit', '100000'],
        });
        const readers = [];
        const watched = [];
        let flooding = true;
        try {
            for (let i = 0; i < 1500; i++) {
                const sock = net.connect(server.port, '127.0.0.1');
                sock.on('error', () => { });
                sock.on('data', () => { }); // reads and drops: healthy readers, never cut off
                sock.write('GET /?channels=flood HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n');
                readers.push(sock);
            }
            await h.waitForConnections(server, 'stream', 1500);
            const payload = 'x'.repeat(2048);
            const flood = (async () => {
                while (flooding) { // many are refused with 503 while the writers are behind: that is the point
                    await fetch(server.origin + '/publish', {
                        method: 'POST',
                        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
                        body: 'channel=flood&message=' + payload,
                    }).then((r) => r.arrayBuffer()).catch(() => { });
                }
            })();
            // EventSources arriving during the flood: some are turned away as overload, none gives up
            for (let i = 0; i < 5; i++) {
                watched.push(watch(server.url + '?channels=calm', 'arrival ' + i));
                await new Promise((r) => setTimeout(r, 50));
            }
            await until(watched, async () => (await h.stats(server)).refused.overload >= 1
                && watched.some((w) => w.errors.length >= 1),
                { timeout: 20000, interval: 100, message: 'an EventSource to be refused as overload' });
            const refused = watched.filter((w) => w.errors.length >= 1);
            flooding = false;
            await flood;

            await until(watched, async () => (await h.stats(server)).connections.stream >= 1500 + watched.length,
                { timeout: 20000, message: 'every EventSource to get in by itself once the load is gone' });
            await h.publish(server, { channel: 'calm', message: 'after' });
            await until(watched, () => watched.every((w) => w.messages.includes('after')),
                { message: 'every EventSource to receive a message' });
            assertNeverClosed(watched);
            assert.ok(refused.length >= 1, 'at least one arrival was refused during the overload');
            const r = await h.stats(server);
            assert.ok(r.refused.overload >= refused.length, `refused.overload counts them: ${JSON.stringify(r.refused)}`);
            assert.equal(r.refused.connections, 0);
        } finally {
            flooding = false;
            for (const w of watched) {
                w.es.close();
            }
            for (const sock of readers) {
                sock.destroy();
            }
            await server.stop();
        }
    });

    test('at SIGTERM every stream ends with a comment and a retry: from --refusal-retry, and EventSources come back to the next server', async () => {
        const port = await h.freePort();
        // An initial retry: of a minute: only the goodbye's retry: brings the clients back in time
        const args = ['--refusal-retry', '300-1500', '--retry', '60000'];
        let server = await h.startServer({ port, args });
        const url = server.url + '?channels=down';
        const watched = [1, 2, 3].map((i) => watch(url, 'stream ' + i));
        const raw = openRaw(url, SSE);
        try {
            await h.waitForConnections(server, 'stream', 4);
            await h.publish(server, { channel: 'down', message: 'before' });
            await until(watched, () => watched.every((w) => w.messages.length === 1) && raw.body.includes('data: before\n'),
                { message: 'all four streams to receive a message' });
            assert.equal(raw.status, 200);

            const exit = await server.stop(); // SIGTERM
            assert.notEqual(exit.signal, 'SIGKILL', 'the server exits by itself after SIGTERM');
            await h.waitFor(() => raw.ended || raw.error, { timeout: 5000, message: 'the raw stream to end' });
            assert.equal(raw.error, null, `the stream ends cleanly: ${raw.describe()}`);
            const goodbye = raw.body.slice(raw.body.indexOf('data: before\n') + 'data: before\n'.length);
            retryOfFinalWords(goodbye, 300, 1500, 'what a stream gets after its last event at shutdown');
            await until(watched, () => watched.every((w) => w.errors.length >= 1),
                { timeout: 5000, message: 'every EventSource to notice the end' });

            // Nothing listens for a while (a JVM starting), then a new server takes the port
            server = await h.startServer({ port, args });
            await until(watched, async () => (await h.stats(server)).connections.stream >= 3,
                { timeout: 15000, message: 'all three EventSources to reconnect to the new server by themselves' });
            await h.publish(server, { channel: 'down', message: 'after' });
            await until(watched, () => watched.every((w) => w.messages.length === 2),
                { message: 'all three to receive a message from the new server' });
            for (const w of watched) {
                assert.deepEqual(w.messages, ['before', 'after'], w.name);
            }
            assertNeverClosed(watched);
        } finally {
            raw.close();
            for (const w of watched) {
                w.es.close();
            }
            await server.stop();
        }
    });

    test('Chromium: a native EventSource refused at the cap keeps reconnecting and gets in when a slot frees', async () => {
        const server = await h.startServer({
            args: ['--max-connections', '2', '--refusal-retry', '200-600', '--heartbeat', '1'],
        });
        let fixtures;
        let browser;
        let p;
        try {
            fixtures = await h.startFixtureServer(server.origin); // the page is on another origin
            browser = await h.launchBrowser();
            p = await h.openPage(browser, fixtures.page('base.html'));
            await p.page.evaluate(() => {
                window.streams = {};
                window.openStream = (name) => {
                    const es = new EventSource(window.SSE_URL + '?channels=cap-browser');
                    const s = { es, opens: 0, errors: [], messages: [], closedByTest: false };
                    es.onopen = () => { s.opens++; };
                    es.onerror = () => { s.errors.push({ at: Date.now(), state: es.readyState }); };
                    es.onmessage = (e) => { s.messages.push(e.data); };
                    window.streams[name] = s;
                };
                window.closeStream = (name) => {
                    window.streams[name].closedByTest = true;
                    window.streams[name].es.close();
                };
                window.view = () => Object.fromEntries(Object.entries(window.streams).map(([name, s]) => [name, {
                    opens: s.opens, errors: s.errors, messages: s.messages, closedByTest: s.closedByTest, readyState: s.es.readyState,
                }]));
            });
            const view = () => p.page.evaluate(() => window.view());
            const gaveUpInPage = (v) => Object.entries(v).find(([, s]) => !s.closedByTest && s.readyState === CLOSED);
            /** waitFor(check(view)), failing at once when a page EventSource gives up. */
            async function untilPage(check, options) {
                let dead = null;
                let last = null;
                await h.waitFor(async () => {
                    last = await view();
                    dead = gaveUpInPage(last);
                    return dead || check(last);
                }, options);
                if (dead) {
                    assert.fail(`the page's EventSource "${dead[0]}" reached readyState CLOSED (2): it will never reconnect `
                        + `(errors: ${JSON.stringify(dead[1].errors)})`);
                }
                return last;
            }

            await p.page.evaluate(() => { window.openStream('first'); window.openStream('second'); });
            await h.waitForConnections(server, 'stream', 2);
            await h.publish(server, { channel: 'cap-browser', message: 'before' });
            await untilPage((v) => v.first.messages.length && v.second.messages.length,
                { message: 'the first two EventSources in the page to receive a message' });

            await p.page.evaluate(() => window.openStream('third'));
            let v = await untilPage((x) => x.third.errors.length >= 4,
                { timeout: 15000, message: 'the third EventSource in the page to be refused four times' });
            assert.deepEqual(v.third.messages, []);
            assert.ok(v.third.errors.every((e) => e.state === 0), JSON.stringify(v.third.errors));
            assertReconnectGaps(v.third.errors.map((e) => e.at), 200, 600, "the page's third EventSource");

            await p.page.evaluate(() => window.closeStream('first'));
            const sent = [];
            v = await untilPage(async (x) => {
                if (x.third.messages.length) {
                    return true;
                }
                sent.push('after-' + sent.length);
                await h.publish(server, { channel: 'cap-browser', message: sent.at(-1) });
                return false;
            }, { timeout: 20000, interval: 250, message: "the page's third EventSource to get in and receive a message" });
            const from = sent.indexOf(v.third.messages[0]);
            assert.ok(from >= 0, `the third receives one of the messages published after the slot freed: ${v.third.messages}`);
            v = await untilPage((x) => x.second.messages.length === 1 + sent.length && x.third.messages.length === sent.length - from,
                { message: 'every message to arrive in the page' });
            assert.deepEqual(v.second.messages, ['before', ...sent]);
            assert.deepEqual(v.third.messages, sent.slice(from));
            for (const name of ['second', 'third']) {
                assert.equal(v[name].readyState, 1, name);
                assert.ok(v[name].errors.every((e) => e.state === 0), `${name}: ${JSON.stringify(v[name].errors)}`);
            }
            assert.deepEqual(p.errors, []);
        } finally {
            await p?.close();
            await browser?.close();
            await fixtures?.stop();
            await server.stop();
        }
    });
});
