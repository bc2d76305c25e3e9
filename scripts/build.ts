// `npm run build` (also run by `npm ci` / `npm install`, as `prepare`): compiles src/
// to dist/ so that `tributary` starts without tsx's loader (src/runtime/module-runtime.ts says
// why that matters), and writes the standalone validator of Mesh's config schema
// (src/config/mesh-validator.ts), then bundles the command line into one file
// (scripts/bundle.ts says why). Types are not checked here (`npm run typecheck` does
// that); this only emits. The stamp written last is what bin/tributary.js compares with
// the sources' times: dist/ is used only when it is newer than every file in src/.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist');
const STAMP = path.join(DIST, '.built');
const require = createRequire(import.meta.url);

function tscPath(): string | undefined {
  try {
    return require.resolve('typescript/bin/tsc');
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const tsc = tscPath();
  rmSync(DIST, { recursive: true, force: true });
  if (!tsc) {
    // An install without dev dependencies: the command runs from the sources (slower start).
    console.warn('tributary build: typescript is not installed; skipping dist/ (bin/tributary.js will run the TypeScript sources through tsx)');
    return;
  }
  const started = Date.now();
  const result = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`tsc -p tsconfig.build.json exited with ${result.status ?? result.signal}`);

  const { meshAjv, meshConfigSchema, STANDALONE_FILE } = await import('../src/config/mesh-validator.ts');
  const standaloneCode = (require('ajv/dist/standalone') as { default: (ajv: unknown, validate: unknown) => string }).default;
  const ajv = meshAjv({ code: { source: true } });
  const validate = ajv.compile(meshConfigSchema());
  mkdirSync(path.join(DIST, 'config'), { recursive: true });
  writeFileSync(path.join(DIST, 'config', STANDALONE_FILE), standaloneCode(ajv, validate));

  const { bundleCli } = await import('./bundle.ts');
  if (!(await bundleCli(DIST))) console.warn('tributary build: esbuild is not installed; skipping the bundle (bin/tributary.js will run dist/cli.js)');

  writeFileSync(STAMP, JSON.stringify({ builtAt: new Date().toISOString(), node: process.version }) + '\n');
  console.log(`tributary build: dist/ written in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((error) => {
  console.error(`tributary build failed: ${(error as Error).message}`);
  process.exit(1);
});
