// Builds the native SRTP core (native/binding.gyp) with the node-gyp that npm ships, against the
// headers installed with this Node (they include Node's OpenSSL), so nothing is downloaded.
// Never fails the install: without a compiler the TypeScript backend runs instead, and we say why.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const nativeDir = fileURLToPath(new URL('../native/', import.meta.url));
const nodePrefix = join(dirname(process.execPath), '..');

const nodeGyp = [
  process.env.npm_config_node_gyp,
  process.env.npm_execpath && join(dirname(process.env.npm_execpath), '../node_modules/node-gyp/bin/node-gyp.js'),
  join(nodePrefix, 'lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
].find((p) => p && existsSync(p));

const nodedir =
  process.env.npm_config_nodedir ||
  (existsSync(join(nodePrefix, 'include/node/node_api.h')) ? nodePrefix : undefined);

function skip(reason) {
  console.warn(`@confab/srtp: native core not built (${reason}); the TypeScript backend will be used.`);
  process.exit(0);
}

if (!nodeGyp) skip('node-gyp not found; it comes with npm');
const args = [nodeGyp, 'rebuild', '--directory', nativeDir, ...(nodedir ? ['--nodedir', nodedir] : [])];
const run = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
if (run.status !== 0) {
  const log = `${run.stdout ?? ''}${run.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
  skip(`node-gyp failed:\n${log || run.error?.message}`);
}
console.log(`@confab/srtp: native core built in ${join(nativeDir, 'build/Release/confab_srtp.node')}`);
