import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { nativeUdpBatchSend, nativeUdpReceive } from '@confab/srtp';
import { PacketSlots } from '../../PacketSlots';
import type { IceRegistry } from '../IceRegistry';
import { UdpMux, type UdpReceiveMode } from '../UdpMux';

/** What the UdpMux tests share: sample datagrams, waiting, and a mux opened in either receive mode. */

export const RTP = Buffer.from('80600001000000010000000a' + 'ab'.repeat(40), 'hex');

export async function until(condition: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A full collection now (gc() without --expose-gc on the command line). */
export function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** A short pause in which nothing should happen (the negative cases). */
export const quiet = () => new Promise((resolve) => setTimeout(resolve, 150));

/** Opens the mux reading its socket the given way: dgram (the fallback), or the native receive with kernel times. */
export async function openMux(mode: UdpReceiveMode, reg: IceRegistry): Promise<UdpMux> {
  const opened = await UdpMux.open({ registry: reg, bindAddress: '127.0.0.1' });
  if (mode === 'kernel') {
    opened.enableBatching(nativeUdpBatchSend()!, new PacketSlots(64));
    assert.ok(opened.enableKernelReceive(nativeUdpReceive()!));
  }
  assert.equal(opened.receiveMode, mode);
  return opened;
}

export const kernelSkip = nativeUdpReceive() === null ? 'the native receive is not in use here' : false;
