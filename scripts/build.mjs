// Builds the web app (packages/web/dist) and the server bundle (packages/server/dist/main.js).
import { build } from 'esbuild';
import { buildWeb } from '../packages/web/build.mjs';

const root = new URL('..', import.meta.url).pathname;

await buildWeb({ outdir: `${root}packages/web/dist`, minify: true });
await build({
  entryPoints: [`${root}packages/server/src/main.ts`],
  outfile: `${root}packages/server/dist/main.js`,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  // Third-party packages stay in node_modules; our workspace packages are bundled.
  external: ['werift', 'ws', 'pino', 'prom-client', 'zod'],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
});
console.log('built packages/web/dist and packages/server/dist/main.js');
