/**
 * Who may join and stay: access tokens (for the join and every resume), passwords, the open-mode
 * identity, the lobby wait, refusals, and being removed for good. Against the scripted server.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect } from './connect';
import { ConfabError, describeRefusal } from './errors';
import { ConnectionState, RoomEvent } from './events';
import { fakePeerConnectionClass, joinedMessage, participantInfo, scriptedServer, tick } from './testFakes';

const SELF = participantInfo({ id: 'me', name: 'Me' });
const { RTCPeerConnection } = fakePeerConnectionClass();

const refusal = (code: string, reason: string) => (error: unknown) =>
  error instanceof ConfabError && error.code === code && error.refusal === reason;

test('a token goes with the join and, fetched anew, with every resume; no identity then', async () => {
  const { WebSocket, sockets } = scriptedServer(SELF);
  let fetched = 0;
  const token = async (): Promise<string> => `token-${++fetched}`;
  const room = await connect('http://confab.test', 'standup', 'Me', { WebSocket, RTCPeerConnection, token, identity: 'browser-1', password: 'hunter2' });
  assert.deepEqual(sockets[0]!.messages()[0], { type: 'join', v: 1, room: 'standup', name: 'Me', accessToken: 'token-1', password: 'hunter2', id: 1 });
  const reconnected = new Promise((resolve) => room.once(RoomEvent.Reconnected, resolve));
  sockets[0]!.serverClose(1006, '');
  await reconnected;
  const resume = sockets[1]!.messages()[0]!;
  assert.equal(resume['type'], 'resume');
  assert.equal(resume['accessToken'], 'token-2', 'a fresh token: the first may have expired');
  await room.leave();
});

test('open mode sends this browser’s identity with the join', async () => {
  const { WebSocket, sockets } = scriptedServer(SELF);
  const room = await connect('http://confab.test', 'standup', 'Me', { WebSocket, RTCPeerConnection, identity: 'browser-1' });
  assert.equal(sockets[0]!.messages()[0]!['identity'], 'browser-1');
  assert.equal(sockets[0]!.messages()[0]!['accessToken'], undefined);
  await room.leave();
});

test('a failing token function fails the join as unauthenticated, before any socket opens', async () => {
  const { WebSocket, sockets } = scriptedServer(SELF);
  const token = async (): Promise<string> => {
    throw new Error('backend down');
  };
  await assert.rejects(connect('http://confab.test', 'standup', 'Me', { WebSocket, RTCPeerConnection, token }), (e: unknown) =>
    e instanceof ConfabError && e.code === 'unauthenticated' && /backend down/.test(e.reason),
  );
  assert.equal(sockets.length, 0);
});

test('refused joins carry the server’s reason, and each reason has words for people', async () => {
  for (const [code, reason] of [['unauthenticated', 'token_missing'], ['permission_denied', 'password_wrong'], ['permission_denied', 'banned']] as const) {
    const { WebSocket } = scriptedServer(SELF, { join: (m) => ({ type: 'error', id: m['id'], code, message: `refused: ${reason}`, reason }) });
    await assert.rejects(connect('http://confab.test', 'standup', 'Me', { WebSocket, RTCPeerConnection }), refusal(code, reason));
  }
  assert.equal(describeRefusal('password_wrong'), 'Wrong password.');
  assert.match(describeRefusal('token_missing'), /invitation link/);
});

test('a join into a lobby waits past the connect timeout until admitted', async () => {
  let admit: (() => void) | undefined;
  const { WebSocket } = scriptedServer(SELF, {
    join: (m, ws) => {
      admit = () => ws.receive(joinedMessage(m['id'] as number, { self: SELF }));
      return { type: 'waiting', room: 'standup' };
    },
  });
  let waited = 0;
  const connecting = connect('http://confab.test', 'standup', 'Me', { WebSocket, RTCPeerConnection, connectTimeoutMs: 50, onWaiting: () => waited++ });
  await tick(120);
  assert.equal(waited, 1);
  admit!();
  const room = await connecting;
  assert.equal(room.state, ConnectionState.Connected);
  await room.leave();
});

test('a lobby wait ends in lobby_denied, or is cancelled by the app', async () => {
  const denied = scriptedServer(SELF, {
    join: (m, ws) => {
      setTimeout(() => ws.receive({ type: 'error', id: m['id'], code: 'permission_denied', message: 'not let in', reason: 'lobby_denied' }), 20);
      return { type: 'waiting', room: 'standup' };
    },
  });
  await assert.rejects(connect('http://confab.test', 'standup', 'Me', { WebSocket: denied.WebSocket, RTCPeerConnection }), refusal('permission_denied', 'lobby_denied'));

  const silent = scriptedServer(SELF, { join: () => ({ type: 'waiting', room: 'standup' }) });
  const abort = new AbortController();
  const connecting = connect('http://confab.test', 'standup', 'Me', { WebSocket: silent.WebSocket, RTCPeerConnection, signal: abort.signal, onWaiting: () => abort.abort() });
  await assert.rejects(connecting, (e: unknown) => e instanceof ConfabError && e.code === 'closed');
  assert.equal(silent.sockets[0]!.readyState, 3, 'the socket is closed: the server drops us from its lobby');
});

test('the meeting ending while we wait in its lobby fails the join with removed', async () => {
  const { WebSocket } = scriptedServer(SELF, {
    join: (_m, ws) => {
      setTimeout(() => {
        ws.receive({ type: 'removed', reason: 'ended', message: 'the meeting has ended' });
        ws.serverClose(4003, 'removed');
      }, 10);
      return { type: 'waiting', room: 'standup' };
    },
  });
  await assert.rejects(connect('http://confab.test', 'standup', 'Me', { WebSocket, RTCPeerConnection }), (e: unknown) =>
    e instanceof ConfabError && e.code === 'removed' && e.removal === 'ended',
  );
});

test('removed, then close 4003: Removed and Disconnected with the reason, and no reconnect', async () => {
  const { WebSocket, sockets } = scriptedServer(SELF);
  const room = await connect('http://confab.test', 'standup', 'Me', { WebSocket, RTCPeerConnection });
  const events: string[] = [];
  room.on(RoomEvent.Removed, (removal, message) => events.push(`removed:${removal}:${message}`));
  room.on(RoomEvent.Disconnected, (reason, error) => events.push(`disconnected:${reason}:${error?.code}:${error?.removal}`));
  room.on(RoomEvent.Reconnecting, () => events.push('reconnecting'));
  sockets[0]!.receive({ type: 'removed', reason: 'banned', message: 'You were removed and banned' });
  sockets[0]!.serverClose(4003, 'removed');
  await tick(50);
  assert.deepEqual(events, ['removed:banned:You were removed and banned', 'disconnected:You were removed and banned:removed:banned']);
  assert.equal(room.disconnectError?.code, 'removed');
  assert.equal(sockets.length, 1, 'never reconnects');
});

test('a bare close 4003 (its removed message lost) is still a removal', async () => {
  const { WebSocket, sockets } = scriptedServer(SELF);
  const room = await connect('http://confab.test', 'standup', 'Me', { WebSocket, RTCPeerConnection });
  sockets[0]!.serverClose(4003, 'removed');
  await tick(50);
  assert.equal(room.state, ConnectionState.Disconnected);
  assert.equal(room.disconnectError?.code, 'removed');
  assert.equal(room.disconnectError?.removal, undefined);
  assert.equal(sockets.length, 1);
});

test('a refused resume ends the room at once with that refusal', async () => {
  const { WebSocket, sockets } = scriptedServer(SELF, {
    resume: (m) => ({ type: 'error', id: m['id'], code: 'unauthenticated', message: 'token expired', reason: 'token_expired' }),
  });
  const room = await connect('http://confab.test', 'standup', 'Me', { WebSocket, RTCPeerConnection, token: 'old' });
  const disconnected = new Promise((resolve) => room.once(RoomEvent.Disconnected, resolve));
  sockets[0]!.serverClose(1006, '');
  await disconnected;
  assert.equal(room.disconnectError?.refusal, 'token_expired');
  assert.equal(sockets.length, 2, 'one attempt: the same token would be refused again');
});
