// The on-disk load cache: its key follows the spec files' contents and the options, a
// cache that cannot be written or read is a miss, and a gateway started again over
// unchanged files serves the same schema from it.
import { expect, it } from 'vitest';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { printSchema } from 'graphql';
import { writeTempDir } from '../helpers/backend.ts';
import { diskCacheKey, diskCacheWritten, readDiskCache, writeDiskCache } from '../../src/openapi/disk-cache.ts';
import { createGateway } from '../../src/gateway.ts';
import { loadConfig } from '../../src/config/load.ts';
import { buildSchema } from '../../src/schema/build.ts';
import { createUpstreamClient } from '../../src/upstream/client.ts';
import { silentLogger } from '../../src/observability/log.ts';

const SPEC = (field: string) => `
openapi: 3.0.3
info: { title: T, version: '1' }
paths:
  /things:
    get:
      operationId: ${field}
      responses:
        '200':
          description: ok
          content: { application/json: { schema: { type: array, items: { type: object, properties: { id: { type: string } } } } } }
`;

it('keys follow file contents and options; missing files and unwritable folders are misses, not errors', async () => {
  const dir = await writeTempDir({ 'a.yaml': SPEC('things') });
  const file = path.join(dir, 'a.yaml');
  const k1 = await diskCacheKey([file], 'opts');
  expect(await diskCacheKey([file], 'opts')).toBe(k1);
  expect(await diskCacheKey([file], 'other')).not.toBe(k1);
  await writeFile(file, SPEC('items'));
  expect(await diskCacheKey([file], 'opts')).not.toBe(k1);
  expect(await diskCacheKey([file, path.join(dir, 'gone.yaml')], 'opts')).toMatch(/^[0-9a-f]{64}$/);

  await writeDiskCache(path.join(dir, 'cache'), 'k', { sdl: 'x' });
  expect(await readDiskCache(path.join(dir, 'cache'), 'k')).toEqual({ sdl: 'x' });
  expect(await readDiskCache(path.join(dir, 'cache'), 'nope')).toBeUndefined();
  const locked = path.join(dir, 'locked');
  await writeFile(locked, 'a file, not a folder');
  await expect(writeDiskCache(locked, 'k', {})).resolves.toBeUndefined();
});

it('a second build over unchanged files is served from the cache with the same schema', async () => {
  const dir = await writeTempDir({
    'spec.yaml': SPEC('things'),
    '.meshrc.yaml': 'sources:\n  - name: T\n    handler:\n      openapi:\n        source: ./spec.yaml\n        endpoint: http://127.0.0.1:9\n',
  });
  const build = async () => {
    const built = await buildSchema(await loadConfig(path.join(dir, '.meshrc.yaml')), {
      logger: silentLogger,
      createUpstream: (sources) => createUpstreamClient({ sources }),
    });
    await built.upstream.close();
    return printSchema(built.schema);
  };
  const first = await build();
  await expect.poll(async () => (await readdir(path.join(dir, '.tributary', 'cache')).catch(() => [])).length).toBe(1);
  expect(await build()).toBe(first);
  expect(first).toContain('things');
});

it('the writes a load starts are finished before a gateway stopped right after its build has closed', async () => {
  const dir = await writeTempDir({
    'spec.yaml': SPEC('things'),
    '.meshrc.yaml': 'sources:\n  - name: T\n    handler:\n      openapi:\n        source: ./spec.yaml\n        endpoint: http://127.0.0.1:9\n',
  });
  const cache = path.join(dir, '.tributary', 'cache');
  // Written without being awaited, as a load writes it: diskCacheWritten() waits for it.
  void writeDiskCache(cache, 'big', { sdl: 'x'.repeat(20_000_000) });
  await diskCacheWritten();
  expect((await readdir(cache)).sort()).toEqual(['big.json']);
  const gateway = await createGateway({ configFile: path.join(dir, '.meshrc.yaml'), logger: silentLogger });
  await gateway.close({ graceMs: 0 });
  const files = await readdir(cache);
  expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
  expect(files.filter((f) => f.endsWith('.json'))).toHaveLength(2);
});
