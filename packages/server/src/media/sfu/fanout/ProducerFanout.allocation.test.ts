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
  const { isVp8KeyFrame } = await import('@confab/wire');
  const { silentLogger } = await import(${at('../../logger.ts')});
  const { MediaCounters } = await import(${at('../../MediaCounters.ts')});
  const { PacketSlots } = await import(${at('../PacketSlots.ts')});
  const { SfuConsumer } = await import(${at('../SfuConsumer.ts')});
  const { SfuProducer } = await import(${at('../SfuProducer.ts')});
  const { SsrcAllocator } = await import(${at('../SsrcAllocator.ts')});
  const { Ticker } = await import(${at('../Ticker.ts')});
  const { CHROMIUM_SIMULCAST_OFFER } = await import(${at('../sdp/chromiumSimulcast.fixture.ts')});
  const { parseSdp } = await import(${at('../sdp/parseSdp.ts')});
  const { negotiatePublishOffer } = await import(${at('../sdp/publishOffer.ts')});
  const { CHROMIUM_SIMULCAST_RTP } = await import(${at('../simulcast/chromiumSimulcastRtp.fixture.ts')});
  const fanout = nativeRtpFanout();
  if (fanout === null) throw new Error('no native fan-out');
  const counters = new MediaCounters();
  const ctx = { logger: silentLogger, counters, network: undefined, slots: new PacketSlots(), ssrcs: new SsrcAllocator(), ticker: new Ticker(50, silentLogger), fanout };
  const producer = new SfuProducer({ id: 'cam', kind: 'video', mid: '1', source: 'camera' }, 'alice', ctx, {
    producerClosed() {}, sendKeyFrameRequest() {}, sendNacks() {}, streamsChanged() {},
  });
  const negotiation = negotiatePublishOffer(parseSdp(CHROMIUM_SIMULCAST_OFFER));
  producer.bind(negotiation.sections[1].stream, negotiation.extensionIds);
  const layer = producer.layerByRid('f');
  const owner = { connected: true, sendRtp: () => true, sendRtcp() {}, consumerClosed() {}, renegotiate() {}, allocationChanged() {}, discardPaced() {} };
  for (let i = 0; i < 32; i++) {
    const consumer = new SfuConsumer(producer, String(i), owner, ctx, {});
    producer.addConsumer(consumer);
    consumer.prepareOffer();
    consumer.negotiate({ mid: String(i), receiving: true, payloadTypes: new Set([96, 97]), audioLevelId: 0, transportCcId: 5 });
    consumer.allocation.target = 2;
    consumer.applyAllocation(0);
  }
  // f's first key frame, then the same picture's packets again and again with new numbers.
  const [, , , headerLength, hex] = CHROMIUM_SIMULCAST_RTP.find(([, rid, , h, x]) => {
    const b = Buffer.from(x, 'hex');
    return rid === 'f' && isVp8KeyFrame(b, h, b.length);
  });
  const packet = Buffer.from(hex, 'hex');
  const ssrc = packet.readUInt32BE(8);
  producer.learnSsrc(layer, ssrc, false);
  const run = (from, to) => {
    for (let i = from; i < to; i++) {
      packet[2] = (i >> 8) & 0xff;
      packet[3] = i & 0xff;
      packet[7] = (i * 3) & 0xff; // timestamps move on (low byte: stays a small integer)
      producer.receive(layer, packet, packet.length, headerLength, i);
    }
  };
  run(1, 20000);
  const before = counters.rtpPacketsForwarded;
  console.log('--- measured');
  run(20000, 120000);
  console.log('--- done ' + (counters.rtpPacketsForwarded - before));
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
