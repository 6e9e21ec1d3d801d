/**
 * The native fan-out allocates nothing per packet: after warm-up, 100,000 packets of a simulcast
 * layer through the real SfuProducer to 32 SfuConsumers (steady state: the native core rewrites
 * every copy, each goes to the consumer's send) run without a young-generation GC. Measured in a
 * child process with --trace-gc; times are whole ms, as the srtp allocation test explains.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const at = (path: string) => JSON.stringify(fileURLToPath(new URL(path, import.meta.url)));

const code = `
  const { nativeRtpFanout } = await import('@confab/srtp');
  const { steadyFanoutRig } = await import(${at('../testing/steadyFanoutRig.ts')});
  const fanout = nativeRtpFanout();
  if (fanout === null) throw new Error('no native fan-out');
  const rig = steadyFanoutRig(32, fanout);
  const run = (from, to) => {
    for (let i = from; i < to; i++) rig.receive(i);
  };
  run(1, 20000);
  const before = rig.counters.rtpPacketsForwarded;
  console.log('--- measured');
  run(20000, 120000);
  console.log('--- done ' + (rig.counters.rtpPacketsForwarded - before));
`;

test('no young-generation GC over 100,000 packets fanned out natively to 32 consumers', (t) => {
  const child = spawnSync(process.execPath, ['--trace-gc', '--import', 'tsx', '--input-type=module', '-e', code], {
    encoding: 'utf8',
    env: { ...process.env, CONFAB_NATIVE_FANOUT: '1', CONFAB_SRTP_BACKEND: 'native' },
  });
  if (child.status !== 0 && /native/.test(child.stderr) && /unavailable|no native fan-out|not built/.test(child.stderr)) {
    t.skip(child.stderr.trim().split('\n').at(-1));
    return;
  }
  assert.equal(child.status, 0, child.stderr);
  const window = child.stdout.split('--- measured')[1]!;
  const forwarded = Number(/--- done (\d+)/.exec(window)![1]);
  assert.equal(forwarded, 100_000 * 32, 'every packet went to every consumer');
  const scavenges = window.split('\n').filter((l) => l.includes('Scavenge')).length;
  assert.equal(scavenges, 0, `${scavenges} scavenges`);
});
