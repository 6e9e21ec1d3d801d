/**
 * Many nodes, one system (issue 10), in real Chromium: a real redis-server, three real server
 * processes in cluster mode and the shipped HAProxy in front (support/cluster.ts). Every page opens
 * the room through HAProxy, so sockets land on whichever node HAProxy picks. One cluster serves the
 * whole file, in this order:
 * 1. a room of four whose sockets are on at least two nodes: everyone decodes everyone, chat arrives
 *    once, presence is the same everywhere;
 * 2. SIGTERM on the room's owner: the room moves, ids stay, nobody sees a leave, video back in 3 s
 *    (the node is started again afterwards);
 * 3. Redis stopped for 5 s and started again: the call keeps decoding, a new join works after;
 * 4. kill -9 on the room's owner while a second call (two headless participants) runs on another
 *    node: the room is back with video within 10 s, the other call's video never pauses over 500 ms;
 * 5. the hostile clients of support/hostile.ts through HAProxy against the two nodes left: calls on
 *    both keep decoding, attackers get the documented answers.
 * Failover and drain times are logged as [measure].
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { MAX_MESSAGE_BYTES } from '@confab/protocol';
import { uniqueRoom } from './support/browser';
import { createClusterHarness, ownerOf, pcStates, perNode, presence, readFrames, sdkEvents, waitOwner, watchFrames, type ClusterHarness } from './support/cluster';
import { Attacker, MALFORMED, Tally, answeredBatch, inPool, mutate, seededRandom, truncate, validFrames } from './support/hostile';
import { expectListedPeople, expectVideoDecoded, remoteStats } from './support/observe';
import { measure, sleep, waitFor } from './support/wait';
import { HeadlessPair, uncoveredMs } from './support/headlessPair';

const ROOM = uniqueRoom('cluster');
const FOUR = ['Alice', 'Bob', 'Carol', 'Dave'] as const;
/**
 * The second call, in a room another node owns: headless participants (werift, synthetic VP8), as
 * what it proves is the server's (its node keeps forwarding), and six Chromium pages beside three
 * nodes would starve two cores. Their video is timed packet by packet, in a process of their own
 * (support/headlessPair.ts): in this one, which drives the pages, their ICE failed and their
 * packets paused whenever it was busy.
 */
const PAIR = ['Frank', 'Grace'] as const;
let pair: HeadlessPair;
const GRACE_SECONDS = 10;
const PER_IP = 20;

let h: ClusterHarness;

const page = (name: string): Page => h.person(name).page;
const others = (names: readonly string[], me: string) => names.filter((n) => n !== me);

/** Every listed person decodes every other one's camera (framesDecoded rising). */
async function everyoneDecodes(names: readonly string[], timeout = 30_000): Promise<void> {
  await Promise.all(names.flatMap((viewer) => others(names, viewer).map((other) => expectVideoDecoded(page(viewer), viewer, other, 'camera', timeout))));
}

async function localId(name: string): Promise<string> {
  return page(name).evaluate(() => (window as unknown as { confabRoom: { localParticipant: { id: string } } }).confabRoom.localParticipant.id);
}

describe('a cluster of three nodes behind HAProxy', { timeout: 600_000 }, () => {
  before(async () => {
    h = await createClusterHarness({
      nodes: 3,
      logLevel: 'debug',
      // One media worker each: three nodes and a browser share two cores.
      env: {
        CONFAB_MEDIA_WORKERS: '1',
        CONFAB_SHUTDOWN_GRACE_SECONDS: String(GRACE_SECONDS),
        // Low, so that a small connection flood (through HAProxy, counted per node) crosses it.
        CONFAB_MAX_CONNECTIONS_PER_IP: String(PER_IP),
      },
    });
    // After the harness has raised this process's priority: the pair's process inherits it.
    pair = new HeadlessPair(PAIR);
  });
  after(async () => {
    await pair?.close();
    await h?.close();
  });

  test('one room of four across nodes: everyone decodes everyone, chat arrives once, presence is the same everywhere', () =>
    h.run(async () => {
      for (const name of FOUR) await h.join(ROOM, name);
      const sockets = await perNode(h.cluster, 'confab_signal_connections');
      console.log(`[cluster] sockets per node: ${JSON.stringify(sockets.byNode)}`);
      assert.equal(sockets.total, FOUR.length, 'one socket per person');
      assert.ok(Object.values(sockets.byNode).filter((n) => n > 0).length >= 2, 'the sockets are on at least two nodes');
      const owner = await waitOwner(h.cluster, ROOM, () => true);
      const rooms = await perNode(h.cluster, 'confab_rooms');
      assert.deepEqual(rooms.byNode[owner], 1, `the owner ${owner} hosts the room`);
      assert.equal(rooms.total, 1, `no other node hosts it: ${JSON.stringify(rooms.byNode)}`);
      const relayed = await perNode(h.cluster, 'confab_cluster_sockets_relayed');
      assert.equal(relayed.total, FOUR.length - sockets.byNode[owner]!, `every socket not on the owner is relayed: ${JSON.stringify(relayed.byNode)}`);

      await everyoneDecodes(FOUR);

      // Each sends one line, from whichever node holds their socket.
      const since = Date.now();
      for (const name of FOUR) {
        await page(name).evaluate((text) => (window as unknown as { confabRoom: { localParticipant: { sendChat(t: string): Promise<void> } } }).confabRoom.localParticipant.sendChat(text), `hello from ${name}`);
      }
      const lines = FOUR.map((n) => `hello from ${n}`).sort();
      for (const name of FOUR) {
        await waitFor(async () => (await sdkEvents(page(name), since)).filter((e) => e.type === 'chat').length >= FOUR.length, { timeout: 10_000, message: `${name} got every line` });
      }
      await sleep(1_000); // a duplicate would have arrived by now
      for (const name of FOUR) {
        const got = (await sdkEvents(page(name), since)).filter((e) => e.type === 'chat').map((e) => e.text ?? '').sort();
        assert.deepEqual(got, lines, `${name} got each line exactly once`);
      }

      const views = await Promise.all(FOUR.map((n) => presence(page(n))));
      for (const [i, view] of views.entries()) assert.deepEqual(view, views[0], `${FOUR[i]} sees the same people, ids and statuses as ${FOUR[0]}`);
      assert.equal(views[0]!.length, FOUR.length);
      for (const name of FOUR) await expectListedPeople(page(name), name, [...FOUR]);
    })());

  test('SIGTERM on the owner: the room moves, ids and presence stay, nobody sees a leave, video back within 3 s', () =>
    h.run(async () => {
      const owner = await waitOwner(h.cluster, ROOM, () => true);
      const before = await Promise.all(FOUR.map((n) => presence(page(n))));
      const ids = await Promise.all(FOUR.map(localId));
      await Promise.all(FOUR.map((n) => watchFrames(page(n), others(FOUR, n))));
      await sleep(500);

      const node = h.cluster.node(owner);
      const termAt = Date.now();
      node.signal('SIGTERM');
      try {
        const moved = await waitOwner(h.cluster, ROOM, (o) => o !== owner, GRACE_SECONDS * 1000);
        const movedAt = Date.now();
        await node.exited(GRACE_SECONDS * 1000 + 10_000);
        const exitedAt = Date.now();
        // Video from the new owner: every viewer has frames of every other from after the old one exited.
        await waitFor(async () => {
          const watches = await Promise.all(FOUR.map((n) => readFrames(page(n))));
          return watches.every((w, i) => others(FOUR, FOUR[i]!).every((o) => (w.lastAt[o] ?? 0) > exitedAt));
        }, { timeout: 15_000, interval: 200, message: 'everyone shows frames of everyone from after the old owner exited' }).catch(async (error: Error) => {
          throw new Error(`${error.message}\ntimeline, ms after SIGTERM: ${await timeline(FOUR, termAt)}`);
        });

        measure('drain_room_moved_ms', movedAt - termAt, `from=${owner} to=${moved}`);
        measure('drain_node_exit_ms', exitedAt - termAt, `grace=${GRACE_SECONDS}s`);
        console.log(`[cluster] drain timeline, ms after SIGTERM: ${await timeline(FOUR, termAt)}`);
        // The freeze of the move: the longest pause of each video since the watch began.
        const freezes = (await Promise.all(FOUR.map(async (viewer) => {
          const w = await readFrames(page(viewer));
          return others(FOUR, viewer).map((other) => ({ pair: `${viewer}<-${other}`, ms: w.maxGap[other]! }));
        }))).flat();
        measure('drain_video_freeze_max_ms', Math.max(...freezes.map((f) => f.ms)), `median=${Math.round(median(freezes.map((f) => f.ms)))}`);
        measure('drain_video_back_ms', await videoBackAfter(FOUR, termAt), 'the last video to play again after a pause over 300 ms, from SIGTERM (0: none paused)');
        for (const { pair, ms } of freezes) assert.ok(ms <= 3_000, `${pair}: video stopped for ${Math.round(ms)} ms (at most 3 s)`);

        assert.deepEqual(await Promise.all(FOUR.map(localId)), ids, 'every participant keeps their id');
        const after = await Promise.all(FOUR.map((n) => presence(page(n))));
        assert.deepEqual(after, before, 'everyone sees the same people, ids and statuses as before the move');
        for (const name of FOUR) {
          const seen = (await sdkEvents(page(name), termAt)).filter((e) => e.type === 'left' || e.type === 'joined');
          assert.deepEqual(seen, [], `${name} saw no participant leave or join`);
        }
        await everyoneDecodes(FOUR, 10_000);
      } finally {
        // Back to three nodes for what follows, even when this failed.
        await node.exited(GRACE_SECONDS * 1000 + 10_000).catch(() => node.signal('SIGKILL'));
        await allNodesUp();
      }
    })());

  test('Redis stopped for 5 s and started again: the call keeps decoding, a new join works afterwards', () =>
    h.run(async () => {
      await allNodesUp();
      await everyoneDecodes(FOUR);
      const ids = await Promise.all(FOUR.map(localId));
      await Promise.all(FOUR.map((n) => watchFrames(page(n), others(FOUR, n))));
      await sleep(500);
      await h.cluster.redis.stop();
      const stoppedAt = Date.now();
      await sleep(5_000);
      await h.cluster.redis.restart();
      const restartedAt = Date.now();
      measure('redis_down_ms', restartedAt - stoppedAt);
      await sleep(2_000);

      let worst = 0;
      for (const viewer of FOUR) {
        const w = await readFrames(page(viewer));
        for (const other of others(FOUR, viewer)) {
          worst = Math.max(worst, w.maxGap[other]!);
          assert.ok(w.maxGap[other]! <= 1_000, `${viewer} kept decoding ${other} (longest pause ${Math.round(w.maxGap[other]!)} ms)`);
        }
      }
      measure('redis_down_video_gap_max_ms', worst);
      measure('redis_down_video_back_ms', await videoBackAfter(FOUR, stoppedAt), 'the last video to play again after a pause over 300 ms, from the stop (0: none paused)');
      assert.deepEqual(await Promise.all(FOUR.map(localId)), ids, 'nobody had to rejoin');

      // Joins work again once the nodes have re-registered: Erin into the running room, and a new room.
      const erinAt = Date.now();
      await waitFor(async () => {
        try {
          await h.join(ROOM, 'Erin', { timeout: 10_000 });
          return true;
        } catch (error) {
          await h.people.get('Erin')?.close();
          h.people.delete('Erin');
          console.log(`[cluster] Erin's join after the Redis restart failed, retrying: ${(error as Error).message.split('\n')[0]}`);
          return false;
        }
      }, { timeout: 40_000, interval: 1_000, message: 'Erin joins after Redis is back' });
      measure('redis_back_join_ms', Date.now() - erinAt, 'from restart to a page in the room');
      await expectVideoDecoded(page('Erin'), 'Erin', 'Alice');
      await expectVideoDecoded(page('Alice'), 'Alice', 'Erin');
      await h.leave('Erin');
      const fresh = await Attacker.open(h.cluster.proxy.rtcUrl, '127.0.0.1');
      fresh.send(JSON.stringify({ type: 'join', id: 1, v: 1, room: uniqueRoom('after-redis'), name: 'Zed' }));
      await fresh.until(() => fresh.replies.some((m) => m.type === 'joined' || m.type === 'error'));
      assert.ok(fresh.replies.some((m) => m.type === 'joined'), `a new room opens: ${JSON.stringify(fresh.replies.slice(0, 3))}`);
      fresh.close();
    })());

  test('kill -9 on the owner: everyone decodes again within 10 s; a call on another node never freezes over 500 ms', () =>
    h.run(async () => {
      await allNodesUp();
      await everyoneDecodes(FOUR);
      const owner = await waitOwner(h.cluster, ROOM, () => true);
      const second = await startSecondCall((o) => o !== owner);
      const ids = await Promise.all(FOUR.map(localId));
      await Promise.all(FOUR.map((n) => watchFrames(page(n), others(FOUR, n))));
      await pair.watchGaps();
      await sleep(1_000);

      const killedAt = Date.now();
      h.cluster.node(owner).signal('SIGKILL');
      // Back: for each viewer and each other, video returned after a pause that began after the kill.
      // The times are the pages' own; reading them once a second keeps this process, which times the
      // other call's packets, from being busy with the pages.
      const backAt = new Map<string, number>();
      await waitFor(async () => {
        for (const viewer of FOUR) {
          const w = await readFrames(page(viewer));
          for (const other of others(FOUR, viewer)) {
            const back = (w.returns[other] ?? []).find((r) => r.at - r.gap >= killedAt - 200);
            if (back && (w.frames[other] ?? 0) > 0 && w.lastAt[other]! > back.at) backAt.set(`${viewer}<-${other}`, back.at);
          }
        }
        return backAt.size === FOUR.length * (FOUR.length - 1);
      }, { timeout: 30_000, interval: 1_000, message: 'everyone shows everyone again after the kill' }).catch(async (error: Error) => {
        throw new Error(`${error.message}\ntimeline, ms after kill -9: ${await timeline(FOUR, killedAt)}`);
      });
      const times = [...backAt.values()].map((at) => at - killedAt);
      const slowest = Math.max(...times);
      measure('failover_video_back_ms', slowest, `median=${Math.round(median(times))} pairs=${times.length}`);
      console.log(`[cluster] failover timeline, ms after kill -9: ${await timeline(FOUR, killedAt)}`);
      const newOwner = await waitOwner(h.cluster, ROOM, (o) => o !== owner);
      console.log(`[cluster] ${ROOM} moved from ${owner} (killed) to ${newOwner}; ids ${JSON.stringify(ids)} -> ${JSON.stringify(await Promise.all(FOUR.map(localId)))}`);
      assert.ok(slowest <= 10_000, `everyone decodes everyone again within 10 s of the kill (slowest ${slowest} ms)`);
      await everyoneDecodes(FOUR, 10_000);

      // The server's pauses: each gap less what the pair's own stalls cover (support/headlessPair.ts).
      const reading = await pair.read();
      const rawWorst = Math.max(...Object.values(reading.longestGapMs));
      const gaps = Object.entries(reading.longGaps).flatMap(([key, list]) => list.map((gap) => ({ key, gap, server: uncoveredMs(gap, reading.loopStalls) })));
      const worstGap = gaps.reduce<(typeof gaps)[number] | undefined>((a, b) => (a === undefined || b.server > a.server ? b : a), undefined);
      const worst = Math.max(worstGap?.server ?? 0, rawWorst < 100 ? rawWorst : 0);
      const at = (t: number) => `+${Math.round(t - killedAt)}`;
      const stalled = reading.loopStalls.map(([from, to]) => `${at(from)}..${at(to)}`).join(' ') || 'none';
      measure('failover_other_call_gap_max_ms', Math.round(worst), `room on ${second.owner}, between two video packets, less the pair's own stalls; ${worstGap ? `${worstGap.key} ${at(worstGap.gap[0])}..${at(worstGap.gap[1])} ms after the kill` : 'no gap over 100 ms'}; raw longest ${Math.round(rawWorst)} ms; the pair's loop stalled ${stalled}`);
      assert.ok(worst <= 500, `the call on ${second.owner} kept forwarding: longest pause ${Math.round(worst)} ms (at most 500)`);
    })());

  test('hostile clients through HAProxy against the two nodes left: calls on both keep decoding, attackers get the documented answers', () =>
    h.run(async () => {
      const ownerOfFour = await waitOwner(h.cluster, ROOM, () => true);
      if (!pair.inCall || (await ownerOf(h.cluster, second.room)) === ownerOfFour) await startSecondCall((o) => o !== ownerOfFour);
      // Two nodes are left after the kill; if that step failed before its kill, a node hosting no call goes.
      const running = () => h.cluster.nodes.filter((n) => n.running);
      for (const node of running()) if (running().length > 2 && node.id !== ownerOfFour && node.id !== second.owner) await node.stop();
      const live = running().map((n) => n.id);
      assert.equal(live.length, 2, 'two nodes');
      assert.notEqual(await ownerOf(h.cluster, second.room), ownerOfFour, 'one call on each node');

      const monitor = new DecodingMonitor();
      const watching = monitor.run();
      let attacks;
      try {
        const startedAt = Date.now();
        attacks = await Promise.all([messageAttacks(), floodAttack(), oversizedAttack(), connectionFlood()]);
        measure('cluster_attack_ms', Date.now() - startedAt);
        // Watch on for a few more rounds after the attacks, however quickly they ended.
        const after = monitor.rounds;
        await waitFor(() => monitor.rounds >= Math.max(4, after + 2), { timeout: 30_000, interval: 200, message: 'decoding sampled after the attacks' });
      } finally {
        monitor.stop();
        await watching;
      }
      const [messages, floods, oversized, flood] = attacks;

      assert.deepEqual(monitor.stalls, [], 'every viewer kept decoding every other in both calls');
      assert.ok(monitor.rounds >= 4, `sampled often enough: ${monitor.rounds}`);
      for (const [key, tally] of Object.entries({ ...messages.tallies, floods, oversized, flood: flood.tally })) {
        console.log(`[hostile] ${key}: ${tally}`);
        assert.equal(tally.count('error:internal'), 0, `${key}: no internal errors`);
        assert.deepEqual(tally.invalidReplies, [], `${key}: every frame from the cluster matches the protocol schema`);
      }
      const { malformed, truncated, mutated } = messages.tallies;
      assert.equal(malformed.count('error:invalid_argument'), messages.connections * FRAMES, `malformed: ${malformed}`);
      assert.equal(malformed.count('pong'), messages.connections, 'malformed: each connection still answers a ping');
      assert.equal(truncated.count('error:invalid_argument'), messages.connections * FRAMES, `truncated: ${truncated}`);
      assert.ok(mutated.count('error:invalid_argument') > messages.connections * 10, `mutated: mostly refused: ${mutated}`);
      assert.deepEqual(Object.fromEntries(floods.closes), { 1008: FLOODERS }, `floods end in 1008: ${floods}`);
      assert.deepEqual(Object.fromEntries(oversized.closes), { 1009: OVERSIZED }, `oversized frames close with 1009: ${oversized}`);
      // Each node counts the flooding address on its own (X-Forwarded-For through HAProxy).
      assert.ok(flood.refused >= CONNECTION_FLOOD - PER_IP * live.length, `connection flood: ${flood.refused} refused of ${CONNECTION_FLOOD}`);
      assert.equal(flood.tally.count('error:resource_exhausted'), flood.refused);

      for (const id of live) assert.ok(h.cluster.node(id).running, `${id} is still running`);
      await waitFor(async () => (await perNode(h.cluster, 'confab_signal_connections')).total === FOUR.length + PAIR.length, {
        timeout: 15_000,
        message: 'only the calls\' sockets left',
      });
      for (const name of FOUR) await expectListedPeople(page(name), name, [...FOUR]);
      const seen = (await pair.read()).others;
      for (const name of PAIR) assert.deepEqual(seen[name], PAIR.filter((n) => n !== name), `${name} still sees only the other`);
    })());
});

let second = { room: '', owner: '' };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] ?? NaN;
}

/** What each page went through since `since` (ms after it): its SDK's reconnects, and when each video froze and came back. */
async function timeline(names: readonly string[], since: number): Promise<string> {
  const lines = await Promise.all(names.map(async (name) => {
    const events = (await sdkEvents(page(name), since)).map((e) => `${e.type}${e.text ? `(${e.text})` : ''}${e.name ? ` ${e.name}` : ''} +${e.at - since}`);
    const pcs = (await pcStates(page(name), since)).map((e) => `pc${e.pc} ${e.state} +${e.at - since}`);
    const w = await readFrames(page(name));
    const frozen = Object.entries(w.returns).flatMap(([other, back]) =>
      back.filter((r) => r.at >= since).map((r) => `${other} frozen +${Math.round(r.at - r.gap - since)}..+${Math.round(r.at - since)}`));
    return `${name}: ${[...events, ...pcs, ...frozen].join(', ') || 'nothing'}`;
  }));
  return lines.join('; ');
}

/** When the last video that paused (over 300 ms) after `since` played again, in ms after `since`; 0 if none paused. */
async function videoBackAfter(names: readonly string[], since: number): Promise<number> {
  let last = since;
  for (const viewer of names) {
    const w = await readFrames(page(viewer));
    for (const back of Object.values(w.returns)) for (const r of back) if (r.at - r.gap >= since - 200) last = Math.max(last, r.at);
  }
  return Math.round(last - since);
}

/** Starts every node that is not running (after a drain, or a step that failed), and waits until HAProxy sends it clients. */
async function allNodesUp(): Promise<void> {
  const stopped = h.cluster.nodes.filter((n) => !n.running);
  await Promise.all(stopped.map((n) => n.start()));
  await h.cluster.proxy.waitServers((s) => stopped.every((n) => s.get(n.id) === 'UP'), 20_000, `${stopped.map((n) => n.id).join(', ') || 'every node'} UP`);
}

/** Frank and Grace in a room of their own, on a node that `fits`; a new room until placement agrees. */
async function startSecondCall(fits: (owner: string) => boolean): Promise<{ room: string; owner: string }> {
  for (let attempt = 0; attempt < 4; attempt++) {
    const room = uniqueRoom('cluster-pair');
    await pair.call(h.cluster.proxy.rtcUrl, room);
    const owner = await waitOwner(h.cluster, room, () => true);
    if (fits(owner)) {
      const flowing = await waitFor(async () => {
        const packets = Object.values((await pair.read()).videoPackets);
        return packets.length === PAIR.length && packets.every((n) => n > 0);
      }, { timeout: 15_000, message: 'Frank and Grace receive each other\'s video' }).then(
        () => null,
        async (error: Error) => {
          const reading = await pair.read();
          return `${error.message}\n${reading.stats.map((s) => `${JSON.stringify(s)} errors: ${(reading.errors[s.name] ?? []).join('; ')}`).join('\n')}`;
        },
      );
      if (flowing === null) {
        second = { room, owner };
        return second;
      }
      // The pair is the instrument, not what is tested here: a call of theirs that never connected
      // (their werift ICE/DTLS on a machine this busy) is logged and made again.
      if (attempt === 3) throw new Error(flowing);
      console.log(`[cluster] the pair's call in ${room} did not connect; again. ${flowing}`);
      continue;
    }
    console.log(`[cluster] ${room} was placed on ${owner}; trying another room`);
  }
  throw new Error('the second call never landed on another node');
}

/**
 * About every 2 s: framesDecoded of every remote camera at every page of the four, and video
 * packets received by each of the pair from the other. A reading that did not rise is a stall.
 */
class DecodingMonitor {
  rounds = 0;
  readonly stalls: string[] = [];
  private running = true;
  private readonly last = new Map<string, number>();

  async run(): Promise<void> {
    while (this.running) {
      for (const viewer of FOUR) {
        const stats = await remoteStats(page(viewer));
        for (const other of others(FOUR, viewer)) {
          const frames = stats.find((s) => s.participantName === other && s.kind === 'video' && s.source === 'camera')?.framesDecoded ?? 0;
          this.check(`${viewer}<-${other} framesDecoded`, frames);
        }
      }
      for (const [key, packets] of Object.entries((await pair.read()).videoPackets)) this.check(`${key} video packets`, packets);
      this.rounds++;
      await sleep(2_000);
    }
  }

  stop(): void {
    this.running = false;
  }

  private check(key: string, now: number): void {
    const before = this.last.get(key);
    if (before !== undefined && now <= before) this.stalls.push(`${key} ${before} -> ${now}`);
    this.last.set(key, now);
  }
}

/**
 * Smaller than e2e/hostile.test.ts (which proves each answer in depth on one node): here the point
 * is that attacks through HAProxy leave the calls on both nodes alone, on a 2-core machine that also
 * runs three nodes, four Chromium participants and a headless pair.
 */
/** Frames per connection: below CONFAB_MAX_INVALID_MESSAGES (30), so each is answered, not cut off. */
const FRAMES = 25;
const CONNECTIONS = 10;
const FLOODERS = 3;
const PINGS_PER_FLOODER = 600;
const OVERSIZED = 4;
const CONNECTION_FLOOD = 3 * PER_IP;

/** Malformed, truncated and mutated frames from fresh connections through HAProxy, each batch ending in a ping. */
async function messageAttacks(): Promise<{ tallies: { malformed: Tally; truncated: Tally; mutated: Tally }; connections: number }> {
  const random = seededRandom(Number(process.env['CONFAB_HOSTILE_SEED'] ?? 20_240_611));
  const tallies = { malformed: new Tally(), truncated: new Tally(), mutated: new Tally() };
  const frames = validFrames(uniqueRoom('cluster-fuzz'));
  const jobs: (() => Promise<void>)[] = [];
  for (let i = 0; i < CONNECTIONS; i++) {
    jobs.push(() => answeredBatch(h.cluster.proxy.rtcUrl, '127.0.0.2', tallies.malformed, Array.from({ length: FRAMES }, (_, k) => MALFORMED[(i + k) % MALFORMED.length]!)));
    jobs.push(() => answeredBatch(h.cluster.proxy.rtcUrl, '127.0.0.3', tallies.truncated, Array.from({ length: FRAMES }, (_, k) => truncate(frames[(i + k) % frames.length]!, random))));
    const batch = Array.from({ length: FRAMES }, (_, k) => mutate(frames[(i + k) % frames.length]!, random));
    jobs.push(() => answeredBatch(h.cluster.proxy.rtcUrl, '127.0.0.4', tallies.mutated, batch, frames[0]!));
  }
  await inPool(jobs, 6, (job) => job());
  return { tallies, connections: CONNECTIONS };
}

async function floodAttack(): Promise<Tally> {
  const tally = new Tally();
  await Promise.all(
    Array.from({ length: FLOODERS }, async () => {
      const attacker = await Attacker.open(h.cluster.proxy.rtcUrl, '127.0.0.6');
      for (let i = 0; i < PINGS_PER_FLOODER; i++) attacker.send(`{"type":"ping","id":${i}}`);
      await attacker.until(() => false, 15_000);
      tally.add(attacker);
      attacker.terminate();
    }),
  );
  return tally;
}

async function oversizedAttack(): Promise<Tally> {
  const tally = new Tally();
  const head = '{"type":"chat","text":"big"}';
  const frame = head + ' '.repeat(MAX_MESSAGE_BYTES + 1 - head.length);
  await Promise.all(
    Array.from({ length: OVERSIZED }, async () => {
      const attacker = await Attacker.open(h.cluster.proxy.rtcUrl, '127.0.0.8');
      attacker.send(frame);
      await attacker.until(() => false);
      tally.add(attacker);
    }),
  );
  return tally;
}

/** WebSockets opened at once from one address: each node refuses those past its own per-address limit. */
async function connectionFlood(): Promise<{ tally: Tally; refused: number }> {
  const opened = await Promise.all(Array.from({ length: CONNECTION_FLOOD }, () => Attacker.open(h.cluster.proxy.rtcUrl, '127.0.0.9')));
  const refused = () => opened.filter((a) => a.closeCode === 1013).length;
  await waitFor(() => refused() >= CONNECTION_FLOOD - 2 * PER_IP, { timeout: 15_000, message: 'the connections past each node\'s limit are refused' });
  await sleep(1_000);
  const tally = new Tally();
  for (const a of opened) tally.add(a);
  for (const a of opened) a.terminate();
  return { tally, refused: refused() };
}
