// Builds the web app (packages/web/dist) and the server bundle (packages/server/dist/main.js, with
// the media worker's entry beside it as mediaWorker.js).
import { build } from 'esbuild';
import { buildWeb } from '../packages/web/build.mjs';

const root = new URL('..', import.meta.url).pathname;

await buildWeb({ outdir: `${root}packages/web/dist`, minify: true });
await build({
  entryPoints: {
    main: `${root}packages/server/src/main.ts`,
    mediaWorker: `${root}packages/server/src/media/workers/workerMain.ts`,
  },
  outdir: `${root}packages/server/dist`,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  // Third-party packages stay in node_modules; our workspace packages are bundled.
  external: ['werift', 'ws', 'pino', 'prom-client', 'zod', 'ioredis'],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
});
console.log('built packages/web/dist and packages/server/dist/{main,mediaWorker}.js');
