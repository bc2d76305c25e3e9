// Which code `tributary` runs: dist/ (compiled by `npm run build`, which `npm ci` runs)
// when it is newer than every file in src/, else the TypeScript sources through tsx.
// Plain JavaScript, so that deciding costs no loader: a few dozen stat calls.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * `{ use: 'dist' }`, or `{ use: 'src', stale }` where `stale` says that a build exists
 * but src/ changed after it. TRIBUTARY_FROM_SOURCE=1 in `env` forces the sources.
 */
export function chooseEntry(root, env = process.env) {
  const stamp = path.join(root, 'dist', '.built');
  if (env.TRIBUTARY_FROM_SOURCE === '1' || !existsSync(stamp)) return { use: 'src', stale: false };
  return statSync(stamp).mtimeMs >= newestMtime(path.join(root, 'src')) ? { use: 'dist' } : { use: 'src', stale: true };
}

/**
 * The module of dist/ to run: the one-file bundle of the command line (scripts/bundle.ts:
 * a start loads one file instead of ~2,000) when the build wrote it, else dist/cli.js.
 * TRIBUTARY_BUNDLE=0 in `env` runs dist/cli.js.
 */
export function distEntry(root, env = process.env) {
  const bundle = path.join(root, 'dist', 'cli.bundle.js');
  return env.TRIBUTARY_BUNDLE !== '0' && existsSync(bundle) ? bundle : path.join(root, 'dist', 'cli.js');
}
