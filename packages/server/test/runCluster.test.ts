/**
 * `npm run cluster` as a person uses it: started in a terminal job of its own (a process group),
 * it prints each node's URL and `cluster ready: http://127.0.0.1:<port>`; the app loads through
 * HAProxy; every node is in cluster mode; Ctrl-C (SIGINT to the whole job, as a terminal sends it)
 * leaves no process behind.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { REPO_ROOT, freeBasePort, httpGet, metricsNodeId, sleep } from '@confab/loadtest';

/** Pids of the processes in process group `group`, with their command lines. */
function processGroup(group: number): { pid: number; cmd: string }[] {
  const found: { pid: number; cmd: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid pgrp ...: comm may hold spaces, so count from its closing parenthesis.
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (pgrp === group) found.push({ pid: Number(entry), cmd: readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim() });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

test('npm run cluster: redis, three nodes and HAProxy; ready line; the app through HAProxy; Ctrl-C stops them all', { timeout: 180_000 }, async () => {
  // The 5 ports npm run cluster takes (HAProxy, 3 nodes, stats), and each node's media ports
  // (--rtc-port + 100 * i, one per worker) below the ephemeral range (the default 40000 is inside it on Linux).
  const base = await freeBasePort([0, 1, 2, 3, 4], { udp: false });
  const workers = availableParallelism();
  const rtcBase = await freeBasePort([0, 100, 200].flatMap((node) => Array.from({ length: workers }, (_, w) => node + w)));
  const child = spawn('npm', ['run', '-s', 'cluster', '--', '--port', String(base), '--rtc-port', String(rtcBase)], { cwd: REPO_ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const group = child.pid!;
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const deadline = Date.now() + 150_000;
    while (!/^cluster ready: /m.test(output)) {
      assert.ok(Date.now() < deadline && child.exitCode === null, `no ready line:\n${output}`);
      await sleep(200);
    }
    assert.match(output, new RegExp(`^cluster ready: http://127\\.0\\.0\\.1:${base}$`, 'm'), 'exactly the ready line');
    const nodes = [...output.matchAll(/^node (node-\d): (http:\/\/127\.0\.0\.1:(\d+)) /gm)].map((m) => ({ id: m[1]!, url: m[2]! }));
    assert.deepEqual(nodes.map((n) => n.id), ['node-1', 'node-2', 'node-3'], `each node's own URL:\n${output}`);

    const page = await httpGet(`http://127.0.0.1:${base}/`, 5_000);
    assert.equal(page.status, 200);
    assert.match(page.body, /<html/i, 'the web app, through HAProxy');
    for (const node of nodes) {
      const metrics = await httpGet(`${node.url}/metrics`, 5_000);
      assert.equal(metricsNodeId(metrics.body), node.id, `${node.url} is ${node.id}`);
      assert.ok(/^confab_cluster_rooms_owned\{node="node-\d"\} \d+$/m.test(metrics.body), `${node.id} is in cluster mode (its /metrics has confab_cluster_rooms_owned)`);
    }
    const running = processGroup(group).map((p) => p.cmd).join('\n');
    for (const what of [/redis-server/, /haproxy -db/, /packages\/server\/src\/main\.ts/]) assert.match(running, what);
    assert.equal(running.match(/packages\/server\/src\/main\.ts/g)?.length, 3, `three nodes:\n${running}`);

    process.kill(-group, 'SIGINT');
    const stoppedAt = Date.now();
    await exited;
    while (processGroup(group).length > 0 && Date.now() - stoppedAt < 20_000) await sleep(100);
    console.log(`[measure] cluster_ctrl_c_stop_ms=${Date.now() - stoppedAt}`);
    assert.deepEqual(processGroup(group), [], 'nothing it started is left');
    assert.match(output, /SIGINT: stopping/);
    await assert.rejects(httpGet(`http://127.0.0.1:${base}/`, 2_000), 'HAProxy is gone');
  } finally {
    if (processGroup(group).length > 0) process.kill(-group, 'SIGKILL');
  }
});
