#!/usr/bin/env node
// Entry point of the `tributary` command. It runs dist/ — the sources compiled by
// `npm run build`, bundled into one file when esbuild is there — when that is up to date
// (entry.js); otherwise the TypeScript sources through tsx's loader, which needs no build
// step but starts about twice as slowly (src/module-runtime.ts says why).
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chooseEntry, distEntry } from './entry.js';
import { servingRelaunch } from './serving-flags.js';
import { supervise, watchSupervisor } from './supervise.js';

// A serving command gets its V8 flags before anything else loads (serving-flags.js): the
// process replaces itself where Node can (22.15+), else it runs the gateway as its child
// (supervise.js).
const canReplace = typeof process.execve === 'function';
const relaunch = servingRelaunch();
if (relaunch && canReplace) process.execve(process.execPath, relaunch);
else if (relaunch) supervise(relaunch);
else {
  watchSupervisor();
  await run();
}

async function run() {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const entry = chooseEntry(root);
  if (entry.use === 'dist') {
    await import(pathToFileURL(distEntry(root)).href);
  } else {
    if (entry.stale)
      console.error('tributary: src/ changed since the last build; running the TypeScript sources (slower start; `npm run build` refreshes dist/)');
    const { register } = await import('tsx/esm/api');
    register();
    await import('../src/cli.ts');
  }
}
