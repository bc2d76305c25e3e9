// `tributary sources check` as users and the corpus script run it: a real process.
// With --json, stdout is exactly one JSON object (logs and progress go to stderr), and
// the exit code says whether a schema was produced.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDir, writeTempDir } from '../helpers/backend.ts';

const BIN = path.resolve(import.meta.dirname, '../../bin/tributary.js');
const run = promisify(execFile);

async function check(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, 'sources', 'check', ...args], { cwd, env: { ...process.env, NODE_ENV: 'production' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const SPEC = `openapi: 3.1.0
info: { title: t, version: '1' }
servers: [{ url: 'http://127.0.0.1:1' }]
paths:
  /things:
    get:
      operationId: things
      parameters:
        - { in: query, schema: { type: string } }
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  id: { type: [string, 'null'] }
                  extra: true
    post:
      operationId: makeThing
      requestBody:
        content:
          application/json:
            schema: { type: object, properties: { name: { type: string } } }
      responses:
        '201': { description: created }
`;

describe('tributary sources check', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await writeTempDir({ 'spec.yaml': SPEC, 'notes.txt': 'not a spec' });
  });
  afterAll(() => removeTempDir(dir));

  it('--json prints exactly one JSON object with counts, warnings (JSON pointers) and numbers; exit 0', async () => {
    const { code, stdout } = await check(['--json', 'spec.yaml'], dir);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]);
    expect(report).toMatchObject({ ok: true, queryFields: 1, mutationFields: 1, operations: { total: 2, asJson: 0, skipped: 0 } });
    expect(report.types).toBeGreaterThan(0);
    expect(report.ms).toBeGreaterThan(0);
    expect(report.peakMb).toBeGreaterThan(0);
    expect(report.warnings).toEqual([
      { pointer: '#/paths/~1things/get/parameters/0', problem: 'parameter has no "name" (OAS 3.0 §4.7.12.1 requires one)', action: 'parameter skipped' },
      {
        pointer: '#/paths/~1things/get/responses/200/content/application~1json/schema/properties/extra',
        problem: 'boolean schema `true` (JSON Schema 2020-12 §4.3.2) has no GraphQL type',
        action: 'mapped to the JSON scalar',
      },
    ]);
  });

  it('without --json: a readable report', async () => {
    const { code, stdout } = await check(['spec.yaml'], dir);
    expect(code).toBe(0);
    expect(stdout).toContain('ok    spec.yaml: 1 query fields, 1 mutation fields');
    expect(stdout).toContain('warnings (2):\n  #/paths/~1things/get/parameters/0: parameter has no "name"');
    expect(stdout).toMatch(/load \d+ ms, peak memory \d+ MB/);
  });

  it('no schema: ok false, the reason, exit 1, still one JSON object', async () => {
    const { code, stdout } = await check(['--json', 'notes.txt'], dir);
    expect(code).toBe(1);
    const report = JSON.parse(stdout);
    expect(report.ok).toBe(false);
    expect(report.error).toContain('notes.txt is not an OpenAPI document');
  });
});
