/**
 * Loads the native core (native/srtp_core.c, built at npm install) once per thread. Found through
 * the package's own name, so it also loads from the esbuild server bundle, whose import.meta.url
 * is not this file's.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One OpenSSL-backed session key (an N-API external). */
export type NativeContext = { readonly __nativeSrtpContext: unique symbol };

export interface NativeSrtpAddon {
  createContext(kind: 1 | 2, key: Uint8Array, salt: Uint8Array, authKey: Uint8Array | null): NativeContext;
  destroyContext(ctx: NativeContext): void;
  sealRtp(ctx: NativeContext, buf: Uint8Array, len: number, headerLength: number, roc: number): number;
  openRtp(ctx: NativeContext, buf: Uint8Array, len: number, headerLength: number, roc: number): number;
  sealRtcp(ctx: NativeContext, buf: Uint8Array, len: number, index: number): number;
  openRtcp(ctx: NativeContext, buf: Uint8Array, len: number): number;
  /** The context's id in this thread's registry, for seals deferred to a send table (NativeUdpBatchSend); -1 if it cannot have one. */
  registerContext(ctx: NativeContext): number;
  /** Linux only (native/udp_batch.c): see NativeUdpBatchSend. */
  sendBatch?: NativeUdpBatchSend;
  /** Linux only (native/udp_recv.c): see NativeUdpReceive. */
  startReceive?: NativeUdpReceive['start'];
  stopReceive?: NativeUdpReceive['stop'];
  startReceiveGroup?: NativeUdpReceive['startGroup'];
  addToReceiveGroup?: NativeUdpReceive['addToGroup'];
  removeFromReceiveGroup?: NativeUdpReceive['removeFromGroup'];
  /** Linux only (native/tcp_timeout.c): see NativeTcpUserTimeout. */
  setTcpUserTimeout?: NativeTcpUserTimeout;
  /** native/rtp_fanout.c: see NativeRtpFanout. */
  fanoutRtp: NativeRtpFanout;
  /** native/send_state.c: see NativeSendStates. */
  registerSendState: NativeSendStates['register'];
  unregisterSendState: NativeSendStates['unregister'];
}

/**
 * This thread's registry of subscriber send states for the native fan-out (native/send_state.c):
 * a Float64Array laid out as the server's media/sfu/sendState.ts says (the pacer's gate, the
 * offered bytes, the transport-wide number and the send history of `historyCapacity` packets). A
 * fan-out row that names its id has each copy that may leave at once paced, numbered and recorded
 * in the native call. The registry holds the array until `unregister`.
 */
export interface NativeSendStates {
  /** The state's id for fan-out rows, or -1 (malformed, or 65,536 registered). */
  register(state: Float64Array, historyCapacity: number): number;
  unregister(id: number): void;
}

/**
 * The SFU's per-packet fan-out (native/rtp_fanout.c): copies the RTP packet `src[0, len)` (payload
 * `[headerLength, headerLength + payloadSize)`, of simulcast layer `layer`) into a send slot for
 * each of the `count` subscriber rows of `rows` from row `firstRow` on (Float64Array, 48 doubles a
 * row, layout in the server's media/sfu/fanout/fanoutRow.ts) whose row takes that layer in the steady state, and
 * rewrites it there for that subscriber, advancing the row's state. Slots are taken from the ring
 * `memory` (PacketSlots: slots of `slotSize` bytes, a power-of-two count) from `firstSlot` on; `out`
 * gets [slot, result, sent] per row, from its start: result > 0 the length written, 0 nothing to send, -1 the
 * TypeScript path must handle this row for this packet; sent 1: the row's send state
 * (NativeSendStates) paced, numbered and recorded the copy, which now only needs protecting and
 * sending; sent 2: it is also queued for the seal and the send. `queue` is the send batch's table
 * (NativeUdpBatchSend's entries, offsets into `memory`) and `queueState` its [count, capacity]: a
 * copy is queued there when its transport's send state names a seal and an address, the row holds
 * its SRTP stream (OutboundRtpStream's state, which it moves on) and there is room; count moves on.
 * Returns the slots used, or -1 (nothing done) for malformed arguments.
 */
export type NativeRtpFanout = (
  src: Uint8Array,
  len: number,
  headerLength: number,
  payloadSize: number,
  layer: number,
  nowMs: number,
  rows: Float64Array,
  firstRow: number,
  count: number,
  memory: Uint8Array,
  slotSize: number,
  firstSlot: number,
  out: Int32Array,
  queue: Int32Array,
  queueState: Int32Array,
) => number;

/**
 * Sends `count` datagrams with one sendmmsg(2) on the UDP socket `fd`: entry i of `table` is
 * [offset into `memory`, length, IPv4 address as a host-order int32, port, cipher, ROC]. An entry
 * whose cipher is a registered context's id (registerContext) holds an RTP packet not sealed yet:
 * it is sealed in place with that ROC first, and dropped if the context was destroyed since; -1:
 * the datagram is ready as it is. Returns how many the kernel took; the others (socket buffer
 * full, malformed entry) are dropped.
 */
export type NativeUdpBatchSend = (fd: number, memory: Uint8Array, table: Int32Array, count: number) => number;

/** Sets TCP_USER_TIMEOUT (ms) on the TCP socket `fd`: true if the socket took it. */
export type NativeTcpUserTimeout = (fd: number, ms: number) => boolean;

/** A running native receive (an N-API external). */
export type NativeReceiveHandle = { readonly __nativeUdpReceive: unique symbol };

/**
 * Batched receive with kernel arrival times on the UDP socket `fd`, which nothing else may read.
 * When datagrams are waiting, recvmmsg(2) reads up to `capacity` of them (capacity: what fits in
 * `memory` at `slotSize` each, in `table` and in `stamps`) and `onBatch(count)` is called: datagram
 * i sits at `memory[i * slotSize]`, `table[i*3 .. i*3+2]` = [length (0 if it did not fit its slot),
 * IPv4 address as a host-order int32, port], and `stamps[i]` is its kernel receive time
 * (SO_TIMESTAMPNS) on CLOCK_MONOTONIC in ms. The next batch reuses the slots. `stop` ends the
 * callbacks at once; the socket stays open for its owner to close.
 *
 * A group does the same for many sockets behind one poll (a load generator's, one per subscriber):
 * a wake-up reads every ready member and calls `onBatch` once for all their datagrams (again when
 * the slots are full), with `table[i*4 .. i*4+3]` = [length, address, port, the member id its socket
 * was added with]. `stop` ends a group too.
 */
export interface NativeUdpReceive {
  start(fd: number, memory: Uint8Array, slotSize: number, table: Int32Array, stamps: Float64Array, onBatch: (count: number) => void): NativeReceiveHandle;
  stop(handle: NativeReceiveHandle): void;
  /**
   * start's batches for every socket added to the group, each entry with a fourth field: the member
   * its socket joined as. With `clockMs` (1-1000) the ready sockets are read every clockMs, and no
   * datagram wakes the thread; without, as soon as one is readable.
   */
  startGroup(memory: Uint8Array, slotSize: number, table: Int32Array, stamps: Float64Array, onBatch: (count: number) => void, clockMs?: number): NativeReceiveHandle;
  /** The socket `fd` (nothing else may read it) joins the group as `member` (an int32); false if it cannot. */
  addToGroup(group: NativeReceiveHandle, fd: number, member: number): boolean;
  /** No datagram of `fd` after this returns: before the socket closes. */
  removeFromGroup(group: NativeReceiveHandle, fd: number): void;
}

export const NATIVE_KIND = { AEAD_AES_128_GCM: 1, AES_CM_128_HMAC_SHA1_80: 2 } as const;

const ADDON_PATH = 'native/build/Release/confab_srtp.node';

type LoadResult = { addon: NativeSrtpAddon; error: null } | { addon: null; error: string };
let loaded: LoadResult | undefined;

/** The addon, or why it is not there (not built, or it failed to load). */
export function loadNativeAddon(): LoadResult {
  loaded ??= load();
  return loaded;
}

function load(): LoadResult {
  const require = createRequire(import.meta.url);
  const candidates = [fileURLToPath(new URL(`../${ADDON_PATH}`, import.meta.url))];
  try {
    candidates.push(join(dirname(require.resolve('@confab/srtp/package.json')), ADDON_PATH));
  } catch {
    // Only the first candidate, then.
  }
  const path = candidates.find((p) => existsSync(p));
  if (path === undefined) {
    return { addon: null, error: `not built (no ${ADDON_PATH}; run \`npm run build:native -w @confab/srtp\`)` };
  }
  try {
    return { addon: require(path) as NativeSrtpAddon, error: null };
  } catch (err) {
    return { addon: null, error: `failed to load ${path}: ${(err as Error).message}` };
  }
}
