import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSfuEngine } from '../sfu/index';
import type { MediaLogger } from '../logger';
import { WorkerEvent, type WorkerCommand } from './protocol';
import { WorkerHost } from './WorkerHost';

// The worker's side of the proxy, in this thread, over the real engine.

async function host() {
  const engine = await createSfuEngine();
  const events: WorkerEvent[] = [];
  const errors: string[] = [];
  const logger: MediaLogger = { debug() {}, info() {}, warn() {}, error: (_fields, message = '') => void errors.push(message) };
  const worker = new WorkerHost(engine, (event) => events.push(WorkerEvent.parse(event)), logger);
  const run = (command: WorkerCommand) => worker.receive(command);
  /** Waits for the reply to `request` and returns its error, if any. */
  const reply = async (request: number) => {
    for (let i = 0; i < 200; i++) {
      const found = events.find((e) => e.ev === 'reply' && e.request === request);
      if (found && found.ev === 'reply') return found.error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`no reply to request ${request}`);
  };
  return { engine, events, errors, worker, run, reply };
}

test('invalid commands are dropped and logged; one with a request number is answered invalid_argument', async () => {
  const h = await host();
  try {
    for (const raw of [null, 42, 'createRouter', {}, { op: 'nope' }, { op: 'createRouter', router: -1, id: 'r' }, { op: 'restartIce', transport: 1.5 }]) {
      h.worker.receive(raw);
    }
    h.worker.receive({ op: 'applyOffer', transport: 1, request: 9, sdp: 42 });
    assert.equal(h.errors.length, 8);
    assert.ok(h.errors.every((e) => e === 'invalid command from the main thread'));
    // Messages from the main thread are batches; one that is not is refused whole.
    h.worker.receiveBatch({ op: 'createRouter', router: 1, id: 'r' });
    assert.equal(h.errors.at(-1), 'invalid command batch from the main thread');
    assert.deepEqual(await h.reply(9), { code: 'invalid_argument', message: 'invalid media worker command' });
    assert.equal(h.engine.stats().routers, 0, 'nothing was created');
  } finally {
    await h.engine.close();
  }
});

test('objects are addressed by handle; signals and states come back with the handle, replies with the request', async () => {
  const h = await host();
  try {
    h.run({ op: 'createRouter', router: 1, id: 'room' });
    h.run({ op: 'createTransport', router: 1, transport: 2, label: 'alice', role: 'publish' });
    h.run({ op: 'createTransport', router: 1, transport: 3, label: 'bob', role: 'subscribe' });
    h.run({ op: 'produce', transport: 2, producer: 4, id: 'alice-mic', kind: 'audio', mid: '0', paused: false });
    h.run({ op: 'consume', transport: 3, consumer: 5, producer: 4, paused: false });
    await waitFor(() => h.events.some((e) => e.ev === 'signal' && e.transport === 3), 'the subscriber offer');
    const offer = h.events.find((e) => e.ev === 'signal' && e.transport === 3);
    assert.ok(offer?.ev === 'signal' && offer.signal.type === 'offer');
    assert.deepEqual(offer.signal.tracks.map((t) => t.producerId), ['alice-mic']);
    assert.deepEqual(h.engine.stats().consumers, 1);

    // Errors keep their code; a call on another role is the engine's own refusal.
    h.run({ op: 'applyAnswer', transport: 2, request: 10, sdp: 'v=0' });
    assert.equal((await h.reply(10))?.code, 'conflict');
    h.run({ op: 'applyOffer', transport: 2, request: 11, sdp: 'garbage' });
    assert.equal((await h.reply(11))?.code, 'invalid_argument');

    // A consumer of a producer the worker no longer has fails alone.
    h.run({ op: 'producer', producer: 4, call: 'close' });
    h.run({ op: 'consume', transport: 3, consumer: 6, producer: 4, paused: false });
    const refusal = h.events.at(-1);
    assert.ok(refusal?.ev === 'failed' && refusal.target === 'consumer' && refusal.handle === 6, JSON.stringify(refusal));
    assert.equal(refusal.error.code, 'conflict');
    assert.equal(h.engine.stats().consumers, 0, 'closing the producer closed its consumer');

    h.run({ op: 'closeTransport', transport: 3 });
    assert.ok(h.events.some((e) => e.ev === 'state' && e.transport === 3 && e.state === 'closed'));
    await new Promise(setImmediate); // closed handles are forgotten once per tick
    h.run({ op: 'applyAnswer', transport: 3, request: 12, sdp: 'v=0' });
    assert.deepEqual(await h.reply(12), { code: 'conflict', message: 'transport is closed' });
    h.run({ op: 'closeRouter', router: 1 });
    assert.deepEqual([h.engine.stats().routers, h.engine.stats().transports], [0, 0]);
  } finally {
    await h.engine.close();
  }
});

test("a batch runs in one turn: a join's consumers of every track in the room land in one subscriber offer", async () => {
  const h = await host();
  try {
    h.worker.receiveBatch([
      { op: 'createRouter', router: 1, id: 'room' },
      { op: 'createTransport', router: 1, transport: 2, label: 'alice', role: 'publish' },
      { op: 'createTransport', router: 1, transport: 3, label: 'bob', role: 'publish' },
      { op: 'produce', transport: 2, producer: 4, id: 'alice-mic', kind: 'audio', mid: '0', paused: false },
      { op: 'produce', transport: 3, producer: 5, id: 'bob-mic', kind: 'audio', mid: '0', paused: false },
    ] satisfies WorkerCommand[]);
    h.worker.receiveBatch([
      { op: 'createTransport', router: 1, transport: 6, label: 'carol', role: 'subscribe' },
      { op: 'consume', transport: 6, consumer: 7, producer: 4, paused: false },
      { op: 'consume', transport: 6, consumer: 8, producer: 5, paused: false },
    ] satisfies WorkerCommand[]);
    await waitFor(() => h.events.some((e) => e.ev === 'signal' && e.transport === 6), 'the subscriber offer');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const offers = h.events.filter((e) => e.ev === 'signal' && e.transport === 6);
    assert.equal(offers.length, 1);
    assert.ok(offers[0]?.ev === 'signal' && offers[0].signal.type === 'offer');
    assert.deepEqual(offers[0].signal.tracks.map((t) => t.producerId).sort(), ['alice-mic', 'bob-mic']);
  } finally {
    await h.engine.close();
  }
});

test('a transport the engine refuses is reported once; calls already on their way get the same error', async () => {
  const h = await host();
  try {
    h.run({ op: 'createRouter', router: 1, id: 'room' });
    h.run({ op: 'createTransport', router: 1, transport: 2, label: 'first', role: 'subscribe' });
    h.run({ op: 'closeRouter', router: 1 });
    // The room closed while this transport was on its way.
    h.run({ op: 'createTransport', router: 1, transport: 3, label: 'second', role: 'publish' });
    const failed = h.events.filter((e) => e.ev === 'failed');
    assert.deepEqual(failed, [{ ev: 'failed', target: 'transport', handle: 3, error: { code: 'conflict', message: 'router is closed' } }]);
    h.run({ op: 'applyOffer', transport: 3, request: 20, sdp: 'v=0' });
    assert.deepEqual(await h.reply(20), { code: 'conflict', message: 'router is closed' }, 'the refusal, not "transport is closed"');
    h.run({ op: 'closeTransport', transport: 3 });
    h.run({ op: 'applyOffer', transport: 3, request: 21, sdp: 'v=0' });
    assert.deepEqual(await h.reply(21), { code: 'conflict', message: 'transport is closed' }, 'once closed, it is just closed');
  } finally {
    await h.engine.close();
  }
});

test('a ping is answered at once; shutdown closes the engine and then replies', async () => {
  const h = await host();
  h.run({ op: 'ping', request: 7 });
  assert.deepEqual(h.events.at(-1), { ev: 'reply', request: 7 });
  h.run({ op: 'createRouter', router: 1, id: 'room' });
  h.run({ op: 'createTransport', router: 1, transport: 2, label: 'alice', role: 'publish' });
  h.run({ op: 'shutdown', request: 1 });
  assert.equal(await h.reply(1), undefined);
  assert.deepEqual([h.engine.stats().routers, h.engine.stats().transports], [0, 0]);
});

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(condition(), `timed out waiting for ${what}`);
}
