import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeClientMessage, decodeServerMessage, encodeMessage } from './codec';
import { ErrorCode } from './errors';
import { MAX_MESSAGE_BYTES, MAX_SERVER_MESSAGE_BYTES, PROTOCOL_VERSION } from './limits';
import { CLIENT_MESSAGE_TYPES, type ClientMessage, type ServerMessage } from './messages';

const validClientMessages: ClientMessage[] = [
  { type: 'join', id: 1, v: PROTOCOL_VERSION, room: 'daily-standup' as never, name: 'Ann', status: 'busy' },
  { type: 'publish', id: 2, source: 'camera', mid: '0' },
  { type: 'unpublish', id: 3, source: 'screen' },
  { type: 'mute', id: 4, source: 'microphone', muted: true },
  { type: 'offer', id: 5, target: 'publisher', sdp: 'v=0\r\n' },
  { type: 'answer', target: 'subscriber', revision: 1, sdp: 'v=0\r\n' },
  { type: 'resume', id: 9, v: PROTOCOL_VERSION, room: 'daily-standup' as never, participantId: 'PA_1' as never, token: 't', lastSeq: 4 },
  { type: 'restart_ice', id: 10 },
  { type: 'ice_servers', id: 11 },
  { type: 'candidate', target: 'subscriber', candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 } },
  { type: 'candidate', target: 'publisher', candidate: null },
  { type: 'status', id: 6, status: 'away' },
  { type: 'chat', id: 7, text: 'hello <b>world</b>' },
  { type: 'leave' },
  { type: 'ping', id: 8, lastSeq: 3 },
  { type: 'track_settings', trackId: 'TR_1' as never, visible: true, width: 640, height: 360 },
  { type: 'join', id: 12, v: PROTOCOL_VERSION, room: 'board' as never, name: 'Bo', accessToken: 'eyJ.x.y', password: 'hunter2', identity: 'browser-1' },
  { type: 'mute_participant', id: 13, participantId: 'PA_2' as never, source: 'camera' },
  { type: 'remove_participant', id: 14, participantId: 'PA_2' as never, banSeconds: 600 },
  { type: 'set_moderator', id: 15, participantId: 'PA_2' as never, moderator: true },
  { type: 'update_room', id: 16, locked: true, lobby: false, password: null },
  { type: 'lobby_decision', id: 17, participantId: 'PA_3' as never, admit: true },
  { type: 'end_meeting', id: 18 },
  { type: 'raise_hand', id: 19, raised: true },
  { type: 'set_recording', id: 20, recording: true },
];

test('every client message type round-trips through encode/decode', () => {
  assert.deepEqual(new Set(validClientMessages.map((m) => m.type)), new Set(CLIENT_MESSAGE_TYPES));
  for (const message of validClientMessages) {
    const decoded = decodeClientMessage(encodeMessage(message));
    assert.ok(decoded.ok, `${message.type} should decode`);
    assert.deepEqual(decoded.message, message);
  }
});

function expectError(raw: string, code: ErrorCode, messagePattern: RegExp, id?: number) {
  const decoded = decodeClientMessage(raw);
  assert.equal(decoded.ok, false, raw);
  if (decoded.ok) return;
  assert.equal(decoded.error.code, code);
  assert.match(decoded.error.message, messagePattern);
  assert.equal(decoded.id, id);
}

test('malformed input gets a clear error naming the problem', () => {
  expectError('{not json', ErrorCode.InvalidArgument, /not valid JSON/);
  expectError('42', ErrorCode.InvalidArgument, /expected object, received number/);
  expectError('[{"type":"leave"}]', ErrorCode.InvalidArgument, /expected object, received array/);
  expectError('null', ErrorCode.InvalidArgument, /expected object, received null/);
  expectError('{"type":7,"id":2}', ErrorCode.InvalidArgument, /no "type"/, 2);
  expectError('{"type":"__proto__"}', ErrorCode.InvalidArgument, /unknown message type "__proto__"/);
  expectError('{}', ErrorCode.InvalidArgument, /no "type"/);
  expectError('{"type":"teleport","id":9}', ErrorCode.InvalidArgument, /unknown message type "teleport"/, 9);
  expectError('{"type":"chat","id":3,"text":"   "}', ErrorCode.InvalidArgument, /text: chat message must not be empty/, 3);
  expectError(JSON.stringify({ type: 'chat', text: 'x'.repeat(2001) }), ErrorCode.InvalidArgument, /at most 2000/);
  expectError('{"type":"publish","source":"hologram","mid":"0"}', ErrorCode.InvalidArgument, /source/);
  expectError('{"type":"offer","target":"subscriber","sdp":"v=0"}', ErrorCode.InvalidArgument, /target/);
  expectError('{"type":"status","status":"sleeping","id":-1}', ErrorCode.InvalidArgument, /status|id/);
});

test('room names follow the 1-64 letters, digits, - _ . rule', () => {
  const join = (room: string) => JSON.stringify({ type: 'join', id: 1, v: 1, room, name: 'Ann' });
  for (const good of ['a', 'Team_1.sync-up', 'x'.repeat(64)]) assert.ok(decodeClientMessage(join(good)).ok, good);
  for (const bad of ['', 'bad room', 'x'.repeat(65), 'ünï', '../etc', 'a/b', '<script>']) {
    expectError(join(bad), ErrorCode.InvalidArgument, /room: room name must be 1-64 letters/, 1);
  }
});

test('display names are trimmed, non-empty, at most 64 characters, without control characters', () => {
  const join = (name: string) => JSON.stringify({ type: 'join', v: 1, room: 'r', name });
  const ok = decodeClientMessage(join('  Ann  '));
  assert.ok(ok.ok && ok.message.type === 'join' && ok.message.name === 'Ann');
  expectError(join(''), ErrorCode.InvalidArgument, /name must not be empty/);
  expectError(join('a'.repeat(65)), ErrorCode.InvalidArgument, /at most 64/);
  expectError(join('bell\u0007'), ErrorCode.InvalidArgument, /control characters/);
});

test('oversized frames are refused before parsing', () => {
  expectError(' '.repeat(MAX_MESSAGE_BYTES + 1), ErrorCode.ResourceExhausted, /larger than/);
});

test("a server message may be larger than a client's: joined for a room of 2,000 people (about 450 KB) decodes", () => {
  const person = (i: number) => ({ id: `PA_${i}` as never, identity: `person-${i}`, name: `Person ${i}`, moderator: false, handRaised: false, status: 'online' as const, connection: 'connected' as const, joinedAt: 1, tracks: [] });
  const joined: ServerMessage = {
    type: 'joined',
    id: 1,
    v: 1,
    room: 'town-hall' as never,
    self: person(0),
    participants: Array.from({ length: 2000 }, (_, i) => person(i + 1)),
    iceServers: [],
    permissions: { canPublish: true, canPublishSources: ['microphone', 'camera', 'screen'], canSubscribe: true, canChat: true, moderator: false },
    access: { locked: false, lobby: false, passwordProtected: false },
    session: { resumeToken: 'secret', resumeWindowMs: 15000, heartbeatIntervalMs: 2000, heartbeatTimeoutMs: 4000 },
  };
  const raw = encodeMessage(joined);
  assert.ok(raw.length > MAX_MESSAGE_BYTES, `${raw.length} bytes`);
  const decoded = decodeServerMessage(raw);
  assert.ok(decoded.ok && decoded.message.type === 'joined' && decoded.message.participants.length === 2000);
  const huge = decodeServerMessage(' '.repeat(MAX_SERVER_MESSAGE_BYTES + 1));
  assert.ok(!huge.ok && huge.error.code === ErrorCode.ResourceExhausted);
});

test('server messages are validated too', () => {
  const joined: ServerMessage = {
    type: 'joined',
    id: 1,
    v: 1,
    room: 'r' as never,
    self: { id: 'PA_1' as never, identity: 'ann', name: 'Ann', moderator: true, handRaised: false, status: 'online', connection: 'connected', joinedAt: 1, tracks: [] },
    participants: [],
    iceServers: [{ urls: 'turn:127.0.0.1:3478', username: 'u', credential: 'c' }],
    permissions: { canPublish: true, canPublishSources: ['microphone', 'camera', 'screen'], canSubscribe: true, canChat: true, moderator: true },
    access: { locked: false, lobby: false, passwordProtected: false },
    session: { resumeToken: 'secret', resumeWindowMs: 15000, heartbeatIntervalMs: 1000, heartbeatTimeoutMs: 4000 },
  };
  assert.ok(decodeServerMessage(encodeMessage(joined)).ok);
  const fresh = [{ urls: ['turn:127.0.0.1:3478?transport=udp', 'turns:turn.example:5349'], username: '1700000000:PA_1', credential: 'c' }];
  assert.ok(decodeServerMessage(encodeMessage({ type: 'resumed', id: 2, lastRequestId: 1, iceServers: fresh })).ok);
  assert.ok(decodeServerMessage(encodeMessage({ type: 'resumed', id: 2, lastRequestId: 1 })).ok, 'resumed without iceServers (an older server)');
  assert.ok(decodeServerMessage(encodeMessage({ type: 'ice_servers', id: 3, iceServers: fresh })).ok);
  assert.equal(decodeServerMessage('{"type":"ice_servers","id":3}').ok, false);
  const bad = decodeServerMessage('{"type":"error","code":"oops","message":"x"}');
  assert.equal(bad.ok, false);
});

test('seq travels beside a server message, not inside it', () => {
  const decoded = decodeServerMessage(encodeMessage({ type: 'ack', id: 3 }, 42));
  assert.ok(decoded.ok);
  assert.deepEqual(decoded.message, { type: 'ack', id: 3 });
  assert.equal(decoded.seq, 42);
  const plain = decodeServerMessage(encodeMessage({ type: 'ack', id: 3 }));
  assert.ok(plain.ok);
  assert.equal(plain.seq, undefined);
});

test('adaptive stream and dynacast messages are validated', () => {
  const settings = (fields: object) => JSON.stringify({ type: 'track_settings', trackId: 'TR_1', visible: false, width: 0, height: 0, ...fields });
  assert.ok(decodeClientMessage(settings({})).ok);
  expectError(settings({ width: -1 }), ErrorCode.InvalidArgument, /width/);
  expectError(settings({ height: 1.5 }), ErrorCode.InvalidArgument, /height/);
  expectError(settings({ visible: 'yes' }), ErrorCode.InvalidArgument, /visible/);

  const layers: ServerMessage = { type: 'subscribed_layers', source: 'camera', layers: [{ rid: 'q', active: true }, { rid: 'f', active: false }] };
  const paused: ServerMessage = { type: 'stream_state', trackId: 'TR_1' as never, state: 'paused', reason: 'bandwidth' };
  const active: ServerMessage = { type: 'stream_state', trackId: 'TR_1' as never, state: 'active' };
  for (const message of [layers, paused, active]) {
    const decoded = decodeServerMessage(encodeMessage(message, 7));
    assert.ok(decoded.ok, message.type);
    assert.deepEqual(decoded.message, message);
  }
  assert.equal(decodeServerMessage('{"type":"subscribed_layers","source":"microphone","layers":[]}').ok, false);
  assert.equal(decodeServerMessage('{"type":"stream_state","trackId":"TR_1","state":"frozen"}').ok, false);
});
