/**
 * Where a thread of the server spent its CPU, kernel included, from `perf record -g` samples: by
 * what it was doing (a publisher's packet, the copies, subscribers' feedback, timers, ...) and by
 * where the code runs (our JavaScript, V8, OpenSSL, our native core, the kernel's send path split
 * into our datagrams, their loopback delivery to the receivers, and the scheduler).
 *
 *   perf script -i <file> -F tid,ip,sym,dso | node --import tsx bench/src/perfActivities.ts [--thread TID] [--us-per-packet US]
 *
 * Without --thread, the thread with the most samples (the media thread under load). With
 * --us-per-packet (that thread's CPU per forwarded packet, from the bench), shares are also given in µs.
 * JavaScript frames have names only when the server ran with --perf-basic-prof
 * (CONFAB_SERVER_NODE_ARGS; docs/benchmarks.md says how).
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { thread: { type: 'string' }, 'us-per-packet': { type: 'string' } } });
const usPerPacket = values['us-per-packet'] === undefined ? NaN : Number(values['us-per-packet']);

/** What a sample was doing: the first rule whose frame is on its stack (root side first). */
const ACTIVITIES: Array<[string, RegExp]> = [
  ['sending the batch: the sendmmsg system call', /__sys_sendmmsg/],
  ['sealing the batch (SRTP) and its bookkeeping', /UdpSendBatch\.ts|js_send_batch|seal_table/],
  ['asleep in epoll: going to sleep and waking', /do_epoll_wait/],
  ["subscribers' feedback (RTCP in)", /onRtcp .*SfuSubscribeTransport\.ts/],
  ["the publisher's RTCP", /onRtcp .*SfuPublishTransport\.ts/],
  ['the copies: fan-out, pacer, numbering (per subscriber)', /ProducerFanout\.ts|SfuConsumer\.ts|prepareRtp|js_fanout_rtp/],
  ["the publisher's packet: decrypt, parse, layers", /onRtp .*SfuPublishTransport\.ts|SfuProducer\.ts/],
  ['STUN (consent checks)', /[Ss]tun/],
  ['timers (ticker, pacer steps, reports)', /processTimers|listOnTimeout|Ticker\.ts|uv__run_timers/],
  ['reading datagrams (recvmmsg, dispatch)', /__sys_recvmmsg|UdpBatchReceiver\.ts|UdpMux\.ts|on_readable/],
  ['messages to and from the main thread', /MessagePort|WorkerHost\.ts/],
  ['garbage collection', /v8::internal::Heap|Scaveng|MarkCompact|MinorMarkSweep/],
  // OpenSSL's assembly keeps no frame pointer: perf sees the cipher and nothing above it.
  ['a cipher, its caller not seen', /^\S*(aesni|gcm|ghash)\S* \(\S+\)$/],
  ['the event loop itself (libuv, between callbacks)', /uv_run/],
];

/** Where a sample's own (leaf) code runs; the kernel's send path split by what it was doing there. */
function placeOf(stack: readonly string[]): string {
  const leaf = stack[0] ?? '';
  const all = stack.join('\n');
  if (leaf.endsWith('([kernel.kallsyms])')) {
    if (/__sys_sendmmsg|__sys_sendmsg|__sys_sendto/.test(all)) {
      if (/net_rx_action|__netif_receive_skb/.test(all)) return "kernel, sending: loopback delivery into the receivers' sockets";
      if (/__cond_resched|__schedule/.test(all)) return 'kernel, sending: switched out for a woken thread';
      return 'kernel, sending: our datagrams through UDP/IP';
    }
    if (/do_epoll_wait/.test(all)) return 'kernel: epoll, sleeping and waking';
    if (/__sys_recvmmsg|__sys_recvmsg/.test(all)) return 'kernel: receiving';
    if (/exc_page_fault/.test(all)) return 'kernel: page faults (first touch of memory)';
    return 'kernel: other';
  }
  if (leaf.includes('.map)')) return leaf.startsWith('JS:') ? 'JavaScript (JIT code)' : 'V8 code stubs';
  if (leaf.includes('confab_srtp.node')) return 'our native core';
  if (/^(\S*aesni|\S*gcm|\S*ghash|evp_|EVP_|ossl_|OSSL_|CRYPTO_|sha1|SHA1|HMAC)/.test(leaf)) return 'OpenSSL (SRTP ciphers)';
  if (leaf.startsWith('Builtins_')) return 'V8 builtins (calls, property access, write barriers)';
  if (leaf.includes('/node)')) return 'V8, Node and libuv (C++)';
  if (leaf.startsWith('[unknown]')) return 'unknown: JIT code without --perf-basic-prof, or a stripped binary';
  return 'libc and other';
}

// perf script -F tid,ip,sym,dso: a line with the thread id, then one indented line per frame ("<ip> <symbol> (<dso>)"), then a blank line.
const stacksByThread = new Map<string, string[][]>();
let current: string[] | null = null;
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === '') {
    current = null;
    continue;
  }
  if (!line.startsWith('\t')) {
    const tid = line.trim().split(/\s+/)[0]!;
    current = [];
    let list = stacksByThread.get(tid);
    if (!list) stacksByThread.set(tid, (list = []));
    list.push(current);
    continue;
  }
  const frame = line.trim().replace(/^[0-9a-f]+\s+/, '');
  current?.push(frame);
}

const threads = [...stacksByThread].sort((a, b) => b[1].length - a[1].length);
const [tid, stacks] = values.thread === undefined ? threads[0]! : [values.thread, stacksByThread.get(values.thread) ?? []];
if (stacks.length === 0) throw new Error('no samples (perf script -F tid,ip,sym,dso, piped in)');
console.log(`thread ${tid}: ${stacks.length} samples (threads by samples: ${threads.slice(0, 4).map(([t, s]) => `${t} ${s.length}`).join(', ')})`);

const byActivity = new Map<string, number>();
const byPlace = new Map<string, number>();
for (const stack of stacks) {
  const rootFirst = [...stack].reverse().join('\n');
  const activity = ACTIVITIES.find(([, pattern]) => pattern.test(rootFirst))?.[0] ?? 'other';
  byActivity.set(activity, (byActivity.get(activity) ?? 0) + 1);
  const place = placeOf(stack);
  byPlace.set(place, (byPlace.get(place) ?? 0) + 1);
}

function print(title: string, counts: Map<string, number>): void {
  console.log(`\n${title}: % of the thread's samples${Number.isNaN(usPerPacket) ? '' : `, µs of its ${usPerPacket} per forwarded packet`}`);
  for (const [name, n] of [...counts].sort((a, b) => b[1] - a[1])) {
    const share = n / stacks.length;
    const us = Number.isNaN(usPerPacket) ? '' : `${(share * usPerPacket).toFixed(2).padStart(7)} µs`;
    console.log(`${(share * 100).toFixed(1).padStart(6)} % ${us}  ${name}`);
  }
}
print('by what it was doing', byActivity);
print('by where the code runs', byPlace);
