/**
 * `npm run -s token` as people run it: one token on stdout that the server's own check accepts,
 * signed with the first configured key, and one line on stderr with exit 2 (bad arguments) or 1
 * (no usable key) otherwise.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { REPO_ROOT } from '@confab/loadtest';
import { parseApiKeys } from '../src/access/apiKeys';
import { verifyAccessToken } from '../src/access/verifyAccessToken';

const FIRST_SECRET = 'first-secret-0123456789-0123456789-abc';
const SECOND_SECRET = 'second-secret-0123456789-0123456789-abc';
const KEYS_ENV = { CONFAB_API_KEYS: `first:${FIRST_SECRET},second:${SECOND_SECRET}` };

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `npm run -s token -- ...args` with only these access settings in its environment. */
function token(args: string[], access: NodeJS.ProcessEnv = KEYS_ENV): Promise<Run> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^CONFAB_(API_|WEBHOOK_)/.test(key)));
  const child = spawn('npm', ['run', '-s', 'token', '--', ...args], { cwd: REPO_ROOT, env: { ...env, ...access }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('prints one token for the room, signed with the first key, that the server accepts', async () => {
  const run = await token(['--room', 'standup', '--identity', 'ada']);
  assert.deepEqual([run.code, run.stderr], [0, '']);
  assert.match(run.stdout, /^[\w-]+\.[\w-]+\.[\w-]+\n$/, 'one JWT line and nothing else');
  const claims = await verifyAccessToken(run.stdout.trim(), parseApiKeys(KEYS_ENV)!);
  assert.deepEqual([claims.iss, claims.sub, claims.name, claims.grants], ['first', 'ada', undefined, { room: 'standup', roomJoin: true }]);
  assert.equal(claims.exp - claims.nbf!, 6 * 3600, 'valid for 6 h by default');
});

test('--admin, --name and --ttl; the single-key settings work too', async () => {
  const access = { CONFAB_API_KEY: 'solo', CONFAB_API_SECRET: FIRST_SECRET };
  const run = await token(['--room', 'board', '--identity', 'u-1', '--name', 'Grace Hopper', '--admin', '--ttl', '15m'], access);
  assert.deepEqual([run.code, run.stderr], [0, '']);
  const claims = await verifyAccessToken(run.stdout.trim(), parseApiKeys(access)!);
  assert.deepEqual([claims.iss, claims.name, claims.grants], ['solo', 'Grace Hopper', { room: 'board', roomJoin: true, roomAdmin: true }]);
  assert.equal(claims.exp - claims.nbf!, 900);
});

test('no key, or keys that stop the server too: exit 1 with one line', async () => {
  const none = await token(['--room', 'standup', '--identity', 'ada'], {});
  assert.deepEqual(none, { code: 1, stdout: '', stderr: 'npm run token: no API key: set CONFAB_API_KEYS (key:secret) or CONFAB_API_KEY and CONFAB_API_SECRET\n' });
  const short = await token(['--room', 'standup', '--identity', 'ada'], { CONFAB_API_KEYS: 'first:tooshort' });
  assert.deepEqual([short.code, short.stdout], [1, '']);
  assert.match(short.stderr, /^npm run token: CONFAB_API_KEYS: entry 1: the secret of key "first" is 8 characters, use at least 32 .*\n$/);
});

test('bad arguments: exit 2 with one usage line', async () => {
  const cases: [string[], RegExp][] = [
    [['--identity', 'ada'], /--room is required/],
    [['--room', 'standup'], /--identity is required/],
    [['--room', 'standup', '--identity', 'ada', '--colour', 'red'], /'--colour'/],
    [['--room', 'no spaces', '--identity', 'ada'], /--room must be 1-64 letters/],
    [['--room', 'standup', '--identity', 'ada', '--ttl', 'soon'], /ttl must be .* got "soon"/],
  ];
  for (const [args, problem] of cases) {
    const run = await token(args);
    assert.deepEqual([run.code, run.stdout], [2, ''], args.join(' '));
    assert.match(run.stderr, /^npm run token: [^\n]*; usage: npm run -s token -- --room <room> --identity <identity> [^\n]*\n$/, run.stderr);
    assert.match(run.stderr, problem);
  }
});
