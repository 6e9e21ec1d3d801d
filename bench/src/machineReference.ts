import { setTimeout as sleep } from 'node:timers/promises';
import { createSrtpSession, srtpNativeLoadError } from '@confab/srtp';
import { median } from './sfu/report';

/**
 * Two fixed costs of the machine the bench runs on, measured in the bench process while it does
 * nothing else, so that runs on different days can be compared: the same code measured 11.2-11.8 µs
 * per forwarded packet at N = 32 one day and 12.9-15.1 the next, on a VM of the same kind (bench:sfu,
 * bench:signal: `machine.reference`, at the start and at the end of a run).
 */
export interface MachineReference {
  /** CPU per native AES-128-GCM seal of a 1,100-byte RTP packet (the per-copy crypto), ns; null without the native core. */
  sealNs: number | null;
  /** CPU per wake-up of a thread from a 2 ms sleep, µs: at N = 32 the media thread wakes ~110 times a second. */
  wakeupUs: number;
}

const SEALS = 20_000;
const WAKEUPS = 300;
const ROUNDS = 5;

export async function measureMachine(): Promise<MachineReference> {
  const seal: number[] = [];
  const wakeup: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    if (srtpNativeLoadError() === null) seal.push(sealNs());
    wakeup.push(await wakeupUs());
  }
  const sealMedian = median(seal);
  return { sealNs: sealMedian === undefined ? null : Math.round(sealMedian), wakeupUs: Math.round(median(wakeup)! * 10) / 10 };
}

/** The reference at the start and at the end of a run, in one line of a printed report. */
export function referenceLine(reference: { atStart: MachineReference; atEnd: MachineReference }): string {
  const at = (r: MachineReference) => `seal ${r.sealNs ?? '-'} ns, wake-up ${r.wakeupUs} µs`;
  return `machine reference (machineReference.ts): at the start ${at(reference.atStart)}; at the end ${at(reference.atEnd)}`;
}

function sealNs(): number {
  const key = Buffer.alloc(16, 7);
  const salt = Buffer.alloc(12, 9);
  const session = createSrtpSession({ profile: 'AEAD_AES_128_GCM', backend: 'native', localKey: key, localSalt: salt, remoteKey: key, remoteSalt: salt });
  const packet = Buffer.alloc(1100 + 16);
  packet[0] = 0x80;
  packet[1] = 96;
  packet.writeUInt32BE(0x1234, 8);
  const start = process.cpuUsage();
  for (let i = 0; i < SEALS; i++) {
    packet.writeUInt16BE(i & 0xffff, 2);
    if (session.protectRtp(packet, 1100) < 0) throw new Error('machine reference: seal failed');
  }
  const used = process.cpuUsage(start);
  session.close();
  return ((used.user + used.system) * 1000) / SEALS;
}

async function wakeupUs(): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < WAKEUPS; i++) await sleep(2);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / WAKEUPS;
}
