import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { MAX_CHAT_LENGTH, MAX_DISPLAY_NAME_LENGTH, MAX_MESSAGE_BYTES } from '@confab/protocol';
import { loadConfig } from './config';

test('limits default to sensible values, never past the protocol caps', () => {
  const config = loadConfig({});
  assert.equal(config.maxMessageBytes, MAX_MESSAGE_BYTES);
  assert.equal(config.maxRooms, 1000);
  assert.equal(config.maxConnectionsPerIp, 100);
  assert.equal(config.maxNameLength, MAX_DISPLAY_NAME_LENGTH);
  assert.equal(config.maxChatLength, MAX_CHAT_LENGTH);
  assert.equal(config.allowedOrigins, 'localhost');
});

test('limit settings are read and checked against their ranges', () => {
  const config = loadConfig({
    CONFAB_MAX_MESSAGE_BYTES: '65536',
    CONFAB_MAX_ROOMS: '20',
    CONFAB_MAX_RECORDINGS: '3',
    CONFAB_MAX_CONNECTIONS_PER_IP: '0',
    CONFAB_MAX_NAME_LENGTH: '32',
    CONFAB_MAX_CHAT_LENGTH: '500',
  });
  assert.equal(config.maxMessageBytes, 65536);
  assert.equal(config.maxRooms, 20);
  assert.equal(config.maxRecordings, 3);
  assert.equal(config.maxConnectionsPerIp, 0, '0 turns the per-address limit off');
  assert.equal(config.maxNameLength, 32);
  assert.equal(config.maxChatLength, 500);
  assert.throws(() => loadConfig({ CONFAB_MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES + 1) }), /CONFAB_MAX_MESSAGE_BYTES must be an integer from 16384 to 262144/);
  assert.throws(() => loadConfig({ CONFAB_MAX_MESSAGE_BYTES: '1000' }), /from 16384/, 'too small for an SDP offer');
  assert.throws(() => loadConfig({ CONFAB_MAX_ROOMS: '0' }), /CONFAB_MAX_ROOMS/);
  assert.throws(() => loadConfig({ CONFAB_MAX_CONNECTIONS_PER_IP: '-1' }), /CONFAB_MAX_CONNECTIONS_PER_IP/);
  assert.throws(() => loadConfig({ CONFAB_MAX_NAME_LENGTH: '65' }), /CONFAB_MAX_NAME_LENGTH must be an integer from 1 to 64/);
  assert.throws(() => loadConfig({ CONFAB_MAX_CHAT_LENGTH: '2001' }), /CONFAB_MAX_CHAT_LENGTH must be an integer from 1 to 2000/);
  assert.throws(() => loadConfig({ CONFAB_MAX_CHAT_LENGTH: 'lots' }), /CONFAB_MAX_CHAT_LENGTH/);
});

test('recordings go to CONFAB_RECORDINGS_DIR (default ./recordings), never in or around the web root', () => {
  const config = loadConfig({ CONFAB_WEB_DIR: '/srv/confab/web' });
  assert.equal(config.recordingsDir, join(process.cwd(), 'recordings'));
  assert.equal(config.maxRecordings, 20);
  assert.equal(loadConfig({ CONFAB_WEB_DIR: '/srv/confab/web', CONFAB_RECORDINGS_DIR: '/var/lib/confab/rec' }).recordingsDir, '/var/lib/confab/rec');
  for (const dir of ['/srv/confab/web/rec', '/srv/confab/web', '/srv/confab', '/srv/confab/web/../web/x']) {
    assert.throws(() => loadConfig({ CONFAB_WEB_DIR: '/srv/confab/web', CONFAB_RECORDINGS_DIR: dir }), /CONFAB_RECORDINGS_DIR .* must not be in or around the web root/, dir);
  }
  assert.doesNotThrow(() => loadConfig({ CONFAB_WEB_DIR: '/srv/confab/web', CONFAB_RECORDINGS_DIR: '/srv/confab/webrec' }), 'a sibling whose name starts alike');
});

test('the composite after each recording: on by default with ffmpeg and ffprobe from PATH, other tools, or off', () => {
  assert.deepEqual(loadConfig({}).composite, { ffmpeg: 'ffmpeg', ffprobe: 'ffprobe' });
  assert.deepEqual(loadConfig({ CONFAB_FFMPEG: '/opt/ffmpeg/bin/ffmpeg', CONFAB_FFPROBE: '/opt/ffmpeg/bin/ffprobe' }).composite, { ffmpeg: '/opt/ffmpeg/bin/ffmpeg', ffprobe: '/opt/ffmpeg/bin/ffprobe' });
  assert.equal(loadConfig({ CONFAB_COMPOSITE: 'off' }).composite, null);
  assert.throws(() => loadConfig({ CONFAB_COMPOSITE: 'yes' }), /CONFAB_COMPOSITE must be on or off, got "yes"/);
});

test('CONFAB_ALLOWED_ORIGINS: "*", or a comma-separated list of origins', () => {
  assert.equal(loadConfig({ CONFAB_ALLOWED_ORIGINS: '*' }).allowedOrigins, '*');
  assert.deepEqual(loadConfig({ CONFAB_ALLOWED_ORIGINS: ' https://Meet.Example.com , http://localhost:5173/,https://a.example:443' }).allowedOrigins, [
    'https://meet.example.com',
    'http://localhost:5173',
    'https://a.example',
  ]);
  for (const bad of ['meet.example.com', 'https://meet.example.com/app', 'ftp://x.example', 'https://u@x.example', 'https://x.example?a=1']) {
    assert.throws(() => loadConfig({ CONFAB_ALLOWED_ORIGINS: bad }), /CONFAB_ALLOWED_ORIGINS: ".*" is not an origin/, bad);
  }
});
