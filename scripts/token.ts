/**
 * `npm run -s token -- --room <room> --identity <identity> [--name <name>] [--admin] [--ttl 6h]`:
 * prints one access token for the room on stdout, and nothing else, signed with the first API key
 * of CONFAB_API_KEYS (or CONFAB_API_KEY and CONFAB_API_SECRET): token mode without an app backend.
 * --admin adds roomAdmin (moderator). Exits 2 on bad arguments, 1 without a key.
 */
import { parseArgs } from 'node:util';
import { isValidRoomName } from '@confab/protocol';
import { AccessToken } from '@confab/server-sdk';
import { parseApiKeys } from '../packages/server/src/access/apiKeys';

const USAGE = 'usage: npm run -s token -- --room <room> --identity <identity> [--name <name>] [--admin] [--ttl 6h]';

function fail(code: 1 | 2, problem: string): never {
  console.error(`npm run token: ${problem}${code === 2 ? `; ${USAGE}` : ''}`);
  process.exit(code);
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        room: { type: 'string' },
        identity: { type: 'string' },
        name: { type: 'string' },
        admin: { type: 'boolean', default: false },
        ttl: { type: 'string', default: '6h' },
      },
    }));
  } catch (error) {
    fail(2, (error as Error).message.split('\n')[0]!);
  }
  const { room, identity, name, admin, ttl } = values;
  if (room === undefined || identity === undefined) fail(2, `${room === undefined ? '--room' : '--identity'} is required`);
  if (!isValidRoomName(room)) fail(2, '--room must be 1-64 letters, digits, "-", "_" or "."');

  let keys;
  try {
    keys = parseApiKeys(process.env);
  } catch (error) {
    fail(1, (error as Error).message);
  }
  const [first] = keys ?? [];
  if (first === undefined) fail(1, 'no API key: set CONFAB_API_KEYS (key:secret) or CONFAB_API_KEY and CONFAB_API_SECRET');
  const [apiKey, apiSecret] = first;

  try {
    const token = new AccessToken(apiKey, apiSecret, { identity, name, ttl }).addGrant({ room, roomJoin: true, ...(admin ? { roomAdmin: true } : {}) });
    console.log(await token.toJwt());
  } catch (error) {
    // A ttl that is not a duration, an identity or name the claims schema refuses.
    if (error instanceof RangeError || error instanceof TypeError) fail(2, error.message);
    throw error;
  }
}

await main();
