// Tributary runs either from its TypeScript sources (through tsx's loader: tests, a
// checkout before `npm run build`) or from dist/, the same modules compiled to
// JavaScript by `npm run build` (bin/tributary.js picks it when it is up to date).
// Compiled, start-up is about twice as fast: tsx's hooks run on a thread of their own
// and every module — node_modules included — is resolved and loaded through messages
// to it. Worker threads do not inherit the hooks, so a thread's entry registers them
// itself, but only when it runs from sources.
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** Whether this module was loaded from src/ (`.ts`) rather than dist/ (`.js`). */
export const FROM_SOURCE = import.meta.url.endsWith('.ts');

/**
 * URL of a module next to `base` (an `import.meta.url`), written as its source name
 * (`./loader-worker.ts`): in dist/ it is the compiled `.js`.
 */
export function moduleUrl(relative: string, base: string): string {
  const name = base.endsWith('.ts') ? relative : relative.replace(/\.ts$/, '.js');
  return new URL(name, base).href;
}

/**
 * JavaScript (for `new Worker(code, { eval: true })`) that imports `entryUrl` — after
 * registering tsx when the entry is TypeScript — and evaluates to that import's promise
 * of the module namespace.
 */
export function threadImport(entryUrl: string): string {
  if (!entryUrl.endsWith('.ts')) return `import(${JSON.stringify(entryUrl)})`;
  const require = createRequire(import.meta.url);
  const tsxApi = pathToFileURL(path.join(path.dirname(require.resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
  return `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entryUrl)}); })`;
}
