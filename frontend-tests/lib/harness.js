'use strict';
// Starts what the browser tests need and stops it again: the server jar (on a free port),
// a fixture server on another origin, and headless Chromium.

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');

const ROOT = path.resolve(__dirname, '..', '..');
const JAR = process.env.SSE_JAR || path.join(ROOT, 'target', 'sse-broadcaster.jar');
const FIXTURES = path.join(__dirname, '..', 'fixtures');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync'];

/** Everything started and not yet stopped, killed on exit should a test forget it. */
const running = new Set();
let staged = null;
process.on('exit', () => {
    for (const proc of running) {
        try {
            proc.kill('SIGKILL');
        } catch (e) {
            // already gone
        }
    }
    if (staged) {
        fs.rmSync(staged.dir, { recursive: true, force: true });
    }
});

/**
 * A private copy of the jar and its libs/ (about 10 MB), made once per test file: a `mvn package`
 * running meanwhile rewrites target/ under a JVM that loads classes from it lazily.
 */
function stagedJar() {
    if (!fs.existsSync(JAR)) {
        throw new Error(`${JAR} is missing: build it first (mvn -B -q -DskipTests package)`);
    }
    if (!staged) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sse-frontend-tests-'));
        fs.copyFileSync(JAR, path.join(dir, path.basename(JAR)));
        const libs = path.join(path.dirname(JAR), 'libs');
        if (fs.existsSync(libs)) {
            fs.cpSync(libs, path.join(dir, 'libs'), { recursive: true });
        }
        staged = { dir, jar: path.join(dir, path.basename(JAR)) };
    }
    return staged.jar;
}

function javaMajor(home) {
    try {
        const release = fs.readFileSync(path.join(home, 'release'), 'utf8');
        const m = /^JAVA_VERSION="(\d+)(?:\.(\d+))?/m.exec(release);
        if (m) {
            return Number(m[1]) === 1 ? Number(m[2]) : Number(m[1]);
        }
    } catch (e) {
        // no release file: ask the binary
    }
    const out = spawnSync(path.join(home, 'bin', 'java'), ['-XshowSettings:properties', '-version'], { encoding: 'utf8' });
    const m = /java\.specification\.version = (\d+)/.exec((out.stderr || '') + (out.stdout || ''));
    return m ? Number(m[1]) : 0;
}

/** JAVA_HOME's java (bin/test exports a JDK 21+ there), else the newest JDK 21+ in /usr/lib/jvm. */
function javaBinary() {
    const home = process.env.JAVA_HOME;
    if (home && fs.existsSync(path.join(home, 'bin', 'java')) && javaMajor(home) >= 21) {
        return path.join(process.env.JAVA_HOME, 'bin', 'java');
    }
    const preferred = '/usr/lib/jvm/temurin-25-jdk-amd64';
    if (fs.existsSync(path.join(preferred, 'bin', 'java'))) {
        return path.join(preferred, 'bin', 'java');
    }
    let best = null;
    let bestVersion = 0;
    const base = '/usr/lib/jvm';
    for (const dir of fs.existsSync(base) ? fs.readdirSync(base) : []) {
        const home = path.join(base, dir);
        if (!fs.existsSync(path.join(home, 'bin', 'java'))) {
            continue;
        }
        const v = javaMajor(home);
        if (v >= 21 && v > bestVersion) {
            best = home;
            bestVersion = v;
        }
    }
    if (!best) {
        throw new Error('no JDK 21 or newer: set JAVA_HOME (bin/test does) or install one under /usr/lib/jvm');
    }
    return path.join(best, 'bin', 'java');
}

function freePort() {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.unref();
        srv.on('error', reject);
        srv.listen(0, '127.0.0.1', () => {
            const { port } = srv.address();
            srv.close(() => resolve(port));
        });
    });
}

/** Polls `check` (sync or async) until it returns something truthy; never a bare sleep. */
async function waitFor(check, { timeout = 10000, interval = 50, message = 'condition' } = {}) {
    const deadline = Date.now() + timeout;
    let lastError;
    for (;;) {
        try {
            const value = await check();
            if (value) {
                return value;
            }
        } catch (e) {
            lastError = e;
        }
        if (Date.now() > deadline) {
            throw new Error(`timed out after ${timeout} ms waiting for ${message}` + (lastError ? `: ${lastError.message}` : ''));
        }
        await new Promise((r) => setTimeout(r, interval));
    }
}

/**
 * Starts the server jar. Resolves once GET /stats answers; rejects (with the server's output)
 * when the process exits first.
 */
async function startServer({ port, args = [] } = {}) {
    const jar = stagedJar();
    port = port || await freePort();
    const proc = spawn(javaBinary(), ['-jar', jar, '--listen', '127.0.0.1', '--port', String(port), ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(proc);
    let output = '';
    proc.stdout.on('data', (d) => { output += d; });
    proc.stderr.on('data', (d) => { output += d; });
    let stopping = false;
    const exited = new Promise((resolve) => proc.on('exit', (code, signal) => {
        running.delete(proc);
        if (!stopping) {
            process.stderr.write(`\nthe server on port ${port} exited by itself (${signal || code}):\n${output}\n`);
        }
        resolve({ code, signal });
    }));
    let gone = false;
    exited.then(() => { gone = true; });
    const origin = `http://127.0.0.1:${port}`;
    const server = {
        port,
        origin,
        url: origin + '/',
        proc,
        output: () => output,
        /**
         * SIGTERM, then SIGKILL after 5 s; resolves with how the process ended, `{ code, signal }`
         * (`signal` is 'SIGKILL' when it did not exit by itself in time).
         */
        async stop() {
            if (gone) {
                return exited;
            }
            stopping = true;
            proc.kill('SIGTERM');
            const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
            const result = await exited;
            clearTimeout(timer);
            return result;
        },
    };
    try {
        await waitFor(async () => {
            if (gone) {
                return true;
            }
            const res = await fetch(origin + '/stats');
            return res.ok;
        }, { timeout: 20000, message: `the server on port ${port}` });
        if (gone) {
            throw new Error('the process exited');
        }
    } catch (e) {
        await server.stop();
        throw new Error(`server did not start on port ${port}: ${e.message}\n${output}`);
    }
    return server;
}

/** POST /publish, as a form (the cyclone_sse way) or as JSON when `json` is true. */
async function publish(server, { channel = 'base', message, event, json = false }) {
    let res;
    if (json) {
        const body = { channels: [].concat(channel), message };
        if (event) {
            body.event = event;
        }
        res = await fetch(server.origin + '/publish', {
            method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
        });
    } else {
        const form = new URLSearchParams();
        form.append('message', message);
        for (const c of [].concat(channel)) {
            form.append('channel', c);
        }
        if (event) {
            form.append('event', event);
        }
        res = await fetch(server.origin + '/publish', { method: 'POST', body: form });
    }
    const text = await res.text();
    if (!res.ok) {
        throw new Error(`publish failed: ${res.status} ${text}`);
    }
    return JSON.parse(text);
}

async function stats(server) {
    const res = await fetch(server.origin + '/stats');
    return res.json();
}

/** Waits until /stats counts at least `n` connections of a kind ('stream', 'poll' or 'total'). */
function waitForConnections(server, kind, n = 1, timeout = 10000) {
    return waitFor(async () => (await stats(server)).connections[kind] >= n,
        { timeout, message: `${n} ${kind} connection(s) on the server` });
}

/**
 * Serves fixtures/*.html from another origin (its own port), with {{SSE}} replaced by the
 * server's origin, so every page talks to the SSE server cross-origin.
 */
async function startFixtureServer(sseOrigin) {
    const srv = http.createServer((req, res) => {
        const name = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\/+/, '');
        if (name === 'favicon.ico') {
            res.writeHead(204);
            res.end();
            return;
        }
        const file = path.join(FIXTURES, name);
        if (!name || !file.startsWith(FIXTURES + path.sep) || !fs.existsSync(file)) {
            res.writeHead(404, { 'Content-Type': 'text/plain' });
            res.end('not found');
            return;
        }
        const body = fs.readFileSync(file, 'utf8').split('{{SSE}}').join(sseOrigin);
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
        res.end(body);
    });
    const sockets = new Set();
    srv.on('connection', (s) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
    });
    await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${srv.address().port}`;
    return {
        origin,
        page: (name) => `${origin}/${name}`,
        stop: () => new Promise((resolve) => {
            for (const s of sockets) {
                s.destroy();
            }
            srv.close(() => resolve());
        }),
    };
}

async function launchBrowser() {
    if (!fs.existsSync(CHROMIUM)) {
        throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (bin/test does it)`);
    }
    return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/**
 * A new page in its own context, recording console messages and page errors. With
 * `noEventSource` the page loses window.EventSource before any script runs, like IE.
 */
async function openPage(browser, url, { noEventSource = false, viewport } = {}) {
    const context = await browser.newContext(viewport ? { viewport } : {});
    const page = await context.newPage();
    const consoleMessages = [];
    const errors = [];
    page.on('console', (msg) => consoleMessages.push(msg));
    page.on('pageerror', (err) => errors.push(err));
    if (noEventSource) {
        await page.addInitScript(() => {
            delete window.EventSource;
        });
    }
    if (url) {
        await page.goto(url);
    }
    return { context, page, console: consoleMessages, errors, close: () => context.close() };
}

module.exports = {
    ROOT,
    JAR,
    javaBinary,
    freePort,
    waitFor,
    startServer,
    publish,
    stats,
    waitForConnections,
    startFixtureServer,
    launchBrowser,
    openPage,
};
