// The error catalogue, the README's error table and the code stay in step: a code
// added to src/errors.ts must be documented, and a documented code must exist.
import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERRORS, httpError, httpExtension } from '../../src/errors.ts';

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

it('every catalogued code is raised somewhere in src/ (a code nothing raises is a promise nothing keeps)', async () => {
  const { readdir } = await import('node:fs/promises');
  const files = (await readdir(path.join(ROOT, 'src'), { recursive: true })).filter((f) => f.endsWith('.ts') && f !== 'errors.ts');
  const text = (await Promise.all(files.map((f) => readFile(path.join(ROOT, 'src', f), 'utf8')))).join('\n');
  // Yoga's own codes for a document that does not parse or validate, kept as they are.
  const yogaDir = path.join(ROOT, 'node_modules', 'graphql-yoga', 'esm', 'plugins', 'request-validation');
  const yoga = (
    await Promise.all(['use-http-validation-error.js', 'use-prevent-mutation-via-get.js'].map((f) => readFile(path.join(yogaDir, f), 'utf8')))
  ).join('\n');
  const raisedByYoga = ['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED'];
  for (const code of raisedByYoga) expect(yoga).toContain(`'${code}'`);
  const unused = Object.keys(ERRORS).filter((code) => !text.includes(`'${code}'`) && !raisedByYoga.includes(code));
  expect(unused).toEqual([]);
});

describe('httpError: the one renderer of an error answered outside GraphQL execution', () => {
  const cases = [
    {
      code: 'RATE_LIMITED',
      shape: 'graphql',
      headers: { 'retry-after': '3' },
      body: { errors: [{ message: 'm', extensions: { rule: 'r', code: 'RATE_LIMITED' } }] },
    },
    { code: 'UNAUTHENTICATED', shape: 'rest', headers: { 'www-authenticate': 'Bearer realm="x"' }, body: { error: { code: 'UNAUTHENTICATED', message: 'm' } } },
    { code: 'PASSTHROUGH_BAD_PATH', shape: 'rest', headers: undefined, body: { error: { code: 'PASSTHROUGH_BAD_PATH', message: 'm' } } },
    {
      code: 'INTERNAL_SERVER_ERROR',
      shape: 'graphql',
      headers: undefined,
      body: { errors: [{ message: 'm', extensions: { rule: 'r', code: 'INTERNAL_SERVER_ERROR' } }] },
    },
  ] as const;
  it.each(cases)('$code as $shape: status from the catalogue, its own headers, never cached or sniffed', ({ code, shape, headers, body }) => {
    const extensions = { rule: 'r', http: httpExtension(code, { headers }) };
    const answer = httpError({ code, message: 'm', extensions }, shape);
    expect(answer.status).toBe(ERRORS[code].status);
    expect(JSON.parse(answer.body)).toEqual(body);
    expect(answer.headers).toEqual({
      ...headers,
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
  });
});
