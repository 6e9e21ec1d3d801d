// Builds the web app: bundles src/main.ts to dist/app.js and copies the static files.
// Usage: node packages/web/build.mjs [--minify] [--outdir <dir>]
// or:    import { buildWeb } from './packages/web/build.mjs'; await buildWeb({ outdir, minify });
import { build } from 'esbuild';
import { copyFile, mkdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const STATIC_FILES = ['index.html', 'styles.css', 'favicon.svg'];
// The deployment guide, linked from the app's "camera and microphone need HTTPS" message and
// served as /docs/deploy (packages/server/src/service/staticFiles.ts).
const DEPLOY_GUIDE = join(here, '..', '..', 'docs', 'deploy.md');

/**
 * @param {{ outdir?: string, minify?: boolean }} [options]
 * @returns {Promise<{ outdir: string, files: string[] }>}
 */
export async function buildWeb({ outdir = join(here, 'dist'), minify = false } = {}) {
  const out = resolve(outdir);
  await mkdir(out, { recursive: true });
  await build({
    entryPoints: [join(here, 'src', 'main.ts')],
    outfile: join(out, 'app.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    minify,
    legalComments: 'none',
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': minify ? '"production"' : '"development"' },
  });
  await Promise.all(STATIC_FILES.map((f) => copyFile(join(here, 'static', f), join(out, f))));
  const files = ['app.js', 'app.js.map', ...STATIC_FILES];
  if (await stat(DEPLOY_GUIDE).catch(() => undefined)) {
    await mkdir(join(out, 'docs'), { recursive: true });
    await copyFile(DEPLOY_GUIDE, join(out, 'docs', 'deploy.md'));
    files.push('docs/deploy.md');
  }
  return { outdir: out, files };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--outdir');
  const outdir = at >= 0 ? args[at + 1] : undefined;
  const started = Date.now();
  buildWeb({ outdir, minify: args.includes('--minify') }).then(
    (r) => console.log(`web: built ${r.files.join(', ')} into ${r.outdir} in ${Date.now() - started} ms`),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
