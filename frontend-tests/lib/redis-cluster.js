'use strict';
// A real local Redis Cluster for the browser tests: 3 masters and 3 replicas of redis-server on free
// ports (each below 55536: the cluster bus listens on port + 10000), without persistence.

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { waitFor } = require('./harness');

function portIsFree(port) {
    return new Promise((resolve) => {
        const srv = net.createServer();
        srv.once('error', () => resolve(false));
        srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
}

/** A port whose cluster-bus port (+10000) is free too. */
async function clusterPort(taken) {
    for (;;) {
        const port = 20000 + Math.floor(Math.random() * 25000);
        if (!taken.has(port) && await portIsFree(port) && await portIsFree(port + 10000)) {
            taken.add(port);
            return port;
        }
    }
}

function cli(port, ...args) {
    const r = spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8', timeout: 10000 });
    return (r.stdout || '') + (r.stderr || '');
}

async function startRedisCluster() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sse-cluster-'));
    const taken = new Set();
    const procs = [];
    const ports = [];
    for (let i = 0; i < 6; i++) {
        const port = await clusterPort(taken);
        const nodeDir = path.join(dir, String(port));
        fs.mkdirSync(nodeDir);
        procs.push(spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes',
            '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000', '--save', '',
            '--appendonly', 'no', '--protected-mode', 'no', '--repl-diskless-sync-delay', '0', '--dir', nodeDir],
        { stdio: 'ignore' }));
        ports.push(port);
    }
    const stop = () => {
        for (const p of procs) {
            p.kill('SIGKILL');
        }
        fs.rmSync(dir, { recursive: true, force: true });
    };
    process.on('exit', stop);
    try {
        for (const port of ports) {
            await waitFor(() => cli(port, 'ping').includes('PONG'), { message: `redis-server on ${port}` });
        }
        const create = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`),
            '--cluster-replicas', '1', '--cluster-yes'], { encoding: 'utf8', timeout: 60000 });
        if (create.status !== 0) {
            throw new Error('redis-cli --cluster create failed: ' + create.stdout + create.stderr);
        }
        await waitFor(() => ports.every((p) => cli(p, 'cluster', 'info').includes('cluster_state:ok')),
            { timeout: 30000, message: 'the cluster to be ok on every node' });
    } catch (e) {
        stop();
        throw e;
    }
    return {
        ports,
        seeds: ports.map((p) => `127.0.0.1:${p}`).join(','),
        /** The hash slot of a channel name (0..16383). */
        slot: (name) => Number(cli(ports[0], 'cluster', 'keyslot', name).trim()),
        stop,
    };
}

module.exports = { startRedisCluster };
