// The error catalogue, the README's error table and the code stay in step: a code
// added to src/errors.ts must be documented, and a documented code must exist.
import { expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERRORS } from '../../src/errors.ts';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

it('every catalogued code is in the README error table with its HTTP status, and nothing else is', async () => {
  const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
  const rows = [...readme.matchAll(/^\| `([A-Z_]+)` \| ([^|]+) \|/gm)].map((m) => [m[1], m[2].trim()] as const);
  const documented = new Map(rows);
  expect([...documented.keys()].sort()).toEqual(Object.keys(ERRORS).sort());
  for (const [code, spec] of Object.entries(ERRORS)) {
    const shown = documented.get(code)!;
    if (shown !== '—') expect(`${code} ${shown}`).toBe(`${code} ${spec.status}`);
  }
});
