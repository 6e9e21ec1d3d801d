/**
 * Webhooks from real rooms into a real local HTTP receiver: what happens in a room arrives signed,
 * numbered, in order and once each, through retries while the receiver fails; on a cluster, a
 * room that moves to another node (drain) goes on numbering there, and nothing is sent twice or lost.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { waitUntil, type RedisProcess } from '@confab/loadtest';
import type { WebhookEvent } from '@confab/protocol';
import { joined, request, TEST_KEY, TEST_SECRET, token, TOKEN_MODE_ENV } from './support/accessCases';
import { roomHosts, startTestCluster, stopTestCluster, type ClusterNode } from './support/clusterNodes';
import { RejoiningClient } from './support/RejoiningClient';
import { startTestServer, type TestServer } from './support/testServer';
import { WebhookReceiver } from './support/webhookReceiver';
import { WsClient } from './support/wsClient';

let receiver: WebhookReceiver;
before(async () => {
  receiver = await WebhookReceiver.listen(TEST_KEY, TEST_SECRET);
});
after(() => receiver.close());

/** One line per event: what a reader of the log would check. */
const describe = (e: WebhookEvent) => [e.event, e.participant?.identity, e.track?.source, e.reason].filter((x) => x !== undefined).join(' ');

/** Every participant_left comes after its participant_joined; seq runs 1, 2, 3… with no gap; nothing twice. */
function assertWellFormed(events: WebhookEvent[]): void {
  assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i + 1), 'numbered 1, 2, 3… with no gap, in order');
  assert.equal(new Set(events.map((e) => e.id)).size, events.length, 'each event once');
  const joinedIds = new Set<string>();
  for (const e of events) {
    if (e.event === 'participant_joined') joinedIds.add(e.participant!.id);
    if (e.event === 'participant_left') assert.ok(joinedIds.has(e.participant!.id), `left before joined: ${describe(e)}`);
  }
}

test('one node: a meeting\'s events arrive in order, once each, through a receiver that fails for a while', async () => {
  const server: TestServer = await startTestServer({ ...TOKEN_MODE_ENV, CONFAB_WEBHOOK_URLS: receiver.url });
  const clients: WsClient[] = [];
  try {
    // The receiver is down (503) for the first second: everything waits and goes out in order after.
    const downUntil = Date.now() + 1_000;
    receiver.answer = () => (Date.now() < downUntil ? 503 : 200);
    const room = `hooks-${process.pid}`;
    const [mod, guest] = [await WsClient.open(server.wsUrl), await WsClient.open(server.wsUrl)];
    clients.push(mod, guest);
    await joined(mod, room, { accessToken: await token(room, 'mod', { roomAdmin: true }) });
    const guestJoined = await joined(guest, room, { accessToken: await token(room, 'guest') });
    assert.equal((await request(guest, { type: 'publish', source: 'microphone', mid: '0' })).type, 'ack');
    await request(mod, { type: 'remove_participant', participantId: guestJoined.self.id, banSeconds: 30 });
    await request(mod, { type: 'leave' });
    await waitUntil(() => receiver.accepted().some((e) => e.event === 'room_finished' && e.room.name === room), 15_000, 'room_finished delivered');
    const events = receiver.accepted().filter((e) => e.room.name === room);
    assertWellFormed(events);
    assert.deepEqual(events.map(describe), [
      'room_started',
      'participant_joined mod',
      'participant_joined guest',
      'track_published guest microphone',
      'participant_banned guest',
      'track_unpublished guest microphone',
      'participant_left guest banned',
      'participant_left mod left',
      'room_finished empty',
    ]);
    const retried = events.filter((e) => receiver.attempts(e.id) > 1).length;
    assert.ok(retried > 0, 'the first events were retried');
    const latencies = receiver.requests.filter((r) => r.status === 200 && r.event.room.name === room && receiver.attempts(r.event.id) === 1).map((r) => r.at - r.event.createdAt);
    console.log(`[measure] webhook_events=${events.length} retried=${retried} queued_behind_the_outage_latency_ms=${latencies.join(',')}`);
  } finally {
    receiver.answer = () => 200;
    for (const c of clients) c.close();
    await server.stop();
  }
});

test('cluster: a room drained to another node goes on numbering there; each event arrives once', async () => {
  const cluster = await startTestCluster('hooks', { ...TOKEN_MODE_ENV, CONFAB_WEBHOOK_URLS: receiver.url });
  const people: RejoiningClient[] = [];
  try {
    const room = `moving-${process.pid}`;
    const urls = cluster.nodes.map((n: ClusterNode) => n.wsUrl);
    for (const [i, who] of ['ann', 'bob'].entries()) people.push(await RejoiningClient.join(urls, i, room, who, await token(room, who)));
    const owner = roomHosts(cluster.nodes, room)[0]!;
    await waitUntil(() => receiver.accepted().filter((e) => e.room.name === room).length === 3, 5_000, 'started and two joins delivered');
    // The receiver holds the next event while the room moves: the old node hands it over undelivered or delivers it, never both.
    receiver.answer = (event) => (event.room.name === room && event.event === 'participant_joined' ? new Promise((r) => setTimeout(() => r(200), 300)) : 200);
    people.push(await RejoiningClient.join(urls, cluster.nodes.indexOf(owner), room, 'cat', await token(room, 'cat')));
    const drainAt = Date.now();
    const stopped = owner.server.shutdown(20);
    await Promise.all(people.map((p) => p.back(drainAt, 10_000)));
    await stopped;
    const newOwner = roomHosts(cluster.nodes, room)[0]!;
    assert.notEqual(newOwner, owner);
    for (const p of people) p.close();
    await waitUntil(() => receiver.accepted().some((e) => e.event === 'room_finished' && e.room.name === room), 15_000, 'room_finished delivered');
    const events = receiver.accepted().filter((e) => e.room.name === room);
    assertWellFormed(events);
    assert.equal(new Set(events.map((e) => e.room.sid)).size, 1, 'one life of the room across the move');
    assert.deepEqual(new Set(events.map((e) => e.node)), new Set([owner.id, newOwner.id]), 'sent by the node that hosted the room at the time');
    assert.deepEqual(events.filter((e) => e.event === 'participant_joined').map((e) => e.participant!.identity), ['ann', 'bob', 'cat']);
    assert.deepEqual(events.filter((e) => e.event === 'participant_left').map((e) => e.participant!.identity).sort(), ['ann', 'bob', 'cat']);
  } finally {
    receiver.answer = () => 200;
    await stopTestCluster(cluster, people);
  }
});
