/**
 * Backend choice as a process sees it: CONFAB_SRTP_BACKEND, the fallback when the addon was never
 * built, and the native core in worker threads (media runs on worker_threads). Each case runs in a
 * child process, because the choice is made once per process.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createSrtpSession } from './createSrtpSession';
import { rtpPacket, withRoom } from './testPackets';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = join(packageDir, '../..');

/** Runs `code` (ESM) in a child process with tsx, from `dir`, and returns what it printed. */
function child(code: string, env: Record<string, string | undefined>, dir = packageDir) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: repoRoot,
    env: { ...process.env, CONFAB_SRTP_BACKEND: undefined, CONFAB_UDP_RECEIVE: undefined, CONFAB_NATIVE_FANOUT: undefined, ...env, SRTP_DIR: dir },
    encoding: 'utf8',
  });
  return { status: run.status, out: run.stdout.trim(), err: run.stderr };
}

const probe = `
  const srtp = await import(process.env.SRTP_DIR + '/src/index.ts');
  let chosen;
  try { chosen = srtp.srtpBackend(); } catch (err) { console.log('error: ' + err.message); process.exit(0); }
  const key = new Uint8Array(16), salt = new Uint8Array(12);
  const s = srtp.createSrtpSession({ profile: 'AEAD_AES_128_GCM', localKey: key, localSalt: salt, remoteKey: key, remoteSalt: salt });
  console.log(chosen + ' ' + s.backend + ' ' + srtp.srtpNativeLoadError());
`;

test('default is native when built; CONFAB_SRTP_BACKEND forces either; a bad value is a clear error', () => {
  assert.equal(child(probe, {}).out, 'native native null');
  assert.equal(child(probe, { CONFAB_SRTP_BACKEND: 'ts' }).out, 'ts ts null');
  assert.equal(child(probe, { CONFAB_SRTP_BACKEND: 'native' }).out, 'native native null');
  assert.match(child(probe, { CONFAB_SRTP_BACKEND: 'fast' }).out, /^error: CONFAB_SRTP_BACKEND=fast: expected 'native' or 'ts'$/);
});

test('without a built addon: TypeScript by default, a clear error when native is forced', (t) => {
  const copy = mkdtempSync(join(tmpdir(), 'srtp-unbuilt-'));
  after(() => rmSync(copy, { recursive: true, force: true }));
  cpSync(join(packageDir, 'src'), join(copy, 'src'), { recursive: true });
  cpSync(join(packageDir, 'package.json'), join(copy, 'package.json'));
  t.diagnostic(`package copy without native/build in ${copy}`);
  const fallback = child(probe, {}, copy);
  assert.match(fallback.out, /^ts ts not built \(no native\/build\/Release\/confab_srtp\.node/);
  const forced = child(probe, { CONFAB_SRTP_BACKEND: 'native' }, copy);
  assert.match(forced.out, /^error: @confab\/srtp: the native backend is required but unavailable: not built/);
  assert.throws(
    () => execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
      const srtp = await import(${JSON.stringify(join(copy, 'src/index.ts'))});
      const key = new Uint8Array(16), salt = new Uint8Array(12);
      srtp.createSrtpSession({ profile: 'AEAD_AES_128_GCM', backend: 'native', localKey: key, localSalt: salt, remoteKey: key, remoteSalt: salt });
    `], { cwd: repoRoot, stdio: 'pipe' }),
    /native backend is required but unavailable/,
  );
});

const receiveProbe = `
  const srtp = await import(process.env.SRTP_DIR + '/src/index.ts');
  try { const r = srtp.nativeUdpReceive(); console.log(r === null ? 'dgram' : typeof r.start + ' ' + typeof r.stop); } catch (err) { console.log('error: ' + err.message); }
`;

test('the socket is read natively (kernel arrival times) with the native core on Linux; CONFAB_UDP_RECEIVE or the TypeScript backend keeps dgram', (t) => {
  assert.equal(child(receiveProbe, {}).out, process.platform === 'linux' ? 'function function' : 'dgram');
  assert.equal(child(receiveProbe, { CONFAB_UDP_RECEIVE: 'dgram' }).out, 'dgram');
  assert.equal(child(receiveProbe, { CONFAB_SRTP_BACKEND: 'ts' }).out, 'dgram');
  assert.match(child(receiveProbe, { CONFAB_SRTP_BACKEND: 'ts', CONFAB_UDP_RECEIVE: 'kernel' }).out, /^error: CONFAB_UDP_RECEIVE=kernel needs the native core on Linux \(backend ts\)$/);
  assert.match(child(receiveProbe, { CONFAB_UDP_RECEIVE: 'fast' }).out, /^error: CONFAB_UDP_RECEIVE=fast: expected 'kernel' or 'dgram'$/);
  const copy = mkdtempSync(join(tmpdir(), 'srtp-unbuilt-'));
  after(() => rmSync(copy, { recursive: true, force: true }));
  cpSync(join(packageDir, 'src'), join(copy, 'src'), { recursive: true });
  cpSync(join(packageDir, 'package.json'), join(copy, 'package.json'));
  t.diagnostic(`package copy without native/build in ${copy}`);
  assert.equal(child(receiveProbe, {}, copy).out, 'dgram');
});

const fanoutProbe = `
  const srtp = await import(process.env.SRTP_DIR + '/src/index.ts');
  try { const f = srtp.nativeRtpFanout(); console.log(f === null ? 'off' : typeof f); } catch (err) { console.log('error: ' + err.message); }
`;

test('the native fan-out is on with the native core unless CONFAB_NATIVE_FANOUT=0, off with the TypeScript one, where =1 is an error; a bad value is a clear error', () => {
  assert.equal(child(fanoutProbe, {}).out, 'function');
  assert.equal(child(fanoutProbe, { CONFAB_NATIVE_FANOUT: '0' }).out, 'off');
  assert.equal(child(fanoutProbe, { CONFAB_NATIVE_FANOUT: '1' }).out, 'function');
  assert.equal(child(fanoutProbe, { CONFAB_SRTP_BACKEND: 'ts' }).out, 'off');
  assert.match(child(fanoutProbe, { CONFAB_NATIVE_FANOUT: '1', CONFAB_SRTP_BACKEND: 'ts' }).out, /^error: CONFAB_NATIVE_FANOUT=1 needs the native core \(backend ts\)$/);
  assert.match(child(fanoutProbe, { CONFAB_NATIVE_FANOUT: 'yes' }).out, /^error: CONFAB_NATIVE_FANOUT=yes: expected '1' or '0'$/);
});

test('the native core loads and agrees in several worker threads at once', async () => {
  const key = Buffer.alloc(16, 1);
  const salt = Buffer.alloc(12, 2);
  const plain = rtpPacket({ seq: 9, ssrc: 9, payload: Buffer.alloc(500, 3) });
  const expected = withRoom(plain);
  const session = createSrtpSession({ profile: 'AEAD_AES_128_GCM', backend: 'native', localKey: key, localSalt: salt, remoteKey: key, remoteSalt: salt });
  const n = session.protectRtp(expected, plain.length);
  // Workers do not inherit tsx's hooks on Node 20, so the worker loads the package through tsImport.
  const workerCode = `
    const { parentPort, workerData } = require('node:worker_threads');
    import('tsx/esm/api')
      .then(({ tsImport }) => tsImport(workerData.index, workerData.parent))
      .then((srtp) => {
        const s = srtp.createSrtpSession({ profile: 'AEAD_AES_128_GCM', backend: 'native', localKey: workerData.key, localSalt: workerData.salt, remoteKey: workerData.key, remoteSalt: workerData.salt });
        const buf = Buffer.alloc(workerData.plain.length + 32);
        buf.set(workerData.plain);
        const n = s.protectRtp(buf, workerData.plain.length);
        parentPort.postMessage({ backend: s.backend, sealed: buf.subarray(0, n) });
      });
  `;
  const results = await Promise.all(
    [1, 2, 3].map(
      () =>
        new Promise<{ backend: string; sealed: Uint8Array }>((resolve, reject) => {
          const worker = new Worker(workerCode, { eval: true, workerData: { index: join(packageDir, 'src/index.ts'), parent: import.meta.url, key, salt, plain } });
          worker.once('message', (m) => {
            resolve(m);
            void worker.terminate();
          });
          worker.once('error', reject);
        }),
    ),
  );
  for (const r of results) {
    assert.equal(r.backend, 'native');
    assert.deepEqual(Buffer.from(r.sealed), expected.subarray(0, n));
  }
});
