// Live reload end to end: a real gateway on a real socket over a real REST backend,
// files rewritten on disk, fs.watch noticing. While a stream of concurrent queries runs,
// the spec and the config are rewritten several times; every query must answer 200 with
// data (a swap drops nothing), each swap reports its diff, and broken changes (invalid
// YAML, a spec that no longer loads) keep the previous schema. No sleeps: the test waits
// for the reload's own events.
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackend, writeTempDir, removeTempDir, type Backend } from '../helpers/backend.ts';
import { arrayOf, getOp, objectOf, openapiDoc, ref, specYaml, STRING } from '../helpers/openapi.ts';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { startLiveReload, type FailedEvent, type LiveReload, type ReloadedEvent } from '../../src/reload/live-reload.ts';

/** A spec with `listItems` and one more operation per name in `extra` (each GET /items/<name>), as YAML. */
function spec(extra: string[] = []): string {
  const item = ref('Item');
  return specYaml(
    openapiDoc({
      title: 'Items',
      paths: {
        '/items': getOp('listItems', { response: arrayOf(item) }),
        ...Object.fromEntries(extra.map((name) => [`/items/${name}`, getOp(name, { response: item })])),
      },
      schemas: { Item: objectOf({ id: STRING, name: STRING }) },
    }),
  );
}

function config(endpoint: string, comment = ''): string {
  return `# live reload test config${comment}
sources:
  - name: Items
    handler:
      openapi:
        source: ./items.yaml
        endpoint: ${endpoint}
`;
}

describe('live reload (dev, start --watch)', () => {
  let backend: Backend;
  let dir: string;
  let gateway: Gateway;
  let live: LiveReload;
  let url: string;
  const printed: string[] = [];
  let streamCaughtUp: () => Promise<void>;

  beforeAll(async () => {
    backend = await startBackend((req, u) => {
      if (u.pathname === '/items') return { status: 200, body: [{ id: '1', name: 'one' }] };
      const m = /^\/items\/(\w+)$/.exec(u.pathname);
      if (m) return { status: 200, body: { id: m[1], name: `item ${m[1]}` } };
      return undefined;
    });
    dir = await writeTempDir({ 'items.yaml': spec(), '.meshrc.yaml': config(backend.url) });
    gateway = await createGateway({ configFile: path.join(dir, '.meshrc.yaml'), logger: silentLogger });
    url = (await gateway.listen({ port: 0, host: '127.0.0.1' })).url;
    live = await startLiveReload(gateway, {
      print: (t) => printed.push(t),
      printError: (t) => printed.push(t),
      debounceMs: 50,
    });
  });

  afterAll(async () => {
    live?.close();
    await gateway?.close();
    await backend?.close();
    await removeTempDir(dir);
  });

  async function query(q: string): Promise<{ status: number; body: { data?: Record<string, unknown>; errors?: unknown[] } }> {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: q }) });
    return { status: res.status, body: (await res.json()) as never };
  }

  function rootFields(): string[] {
    return Object.keys(gateway.current().built.schema.getQueryType()!.getFields()).sort();
  }

  it('swaps on every change while a stream of queries runs, drops none, and keeps the last good schema on a broken change', async () => {
    let stop = false;
    const results: Array<{ status: number; ok: boolean; generation: unknown }> = [];
    let onResult: (() => void) | undefined;
    // Four clients, each sending its next query as soon as the last one answered.
    const stream = Promise.all(
      Array.from({ length: 4 }, async () => {
        while (!stop) {
          const { status, body } = await query('{ listItems { id name } }');
          results.push({ status, ok: !body.errors && Array.isArray(body.data?.listItems), generation: gateway.current().built.schema });
          onResult?.();
        }
      }),
    );
    // After each swap, the stream must have answered on the new schema too (an event, not a sleep).
    streamCaughtUp = () =>
      new Promise<void>((resolve) => {
        const current = gateway.current().built.schema;
        onResult = () => {
          if (results.some((r) => r.generation === current)) resolve();
        };
        onResult();
      });

    try {
      await rewrites();
    } finally {
      stop = true;
      await stream;
    }
    expect(results.filter((r) => r.status !== 200 || !r.ok)).toEqual([]);
    // The stream ran across every swap: initial, three additions, a removal, the config fix.
    expect(new Set(results.map((r) => r.generation)).size).toBeGreaterThanOrEqual(6);
    expect(printed.some((t) => /^Reloaded after a change to .*items\.yaml in \d+ ms: 1 added, 0 removed, 0 breaking/.test(t))).toBe(true);
    expect(printed.some((t) => t.startsWith('Reload failed') && t.includes('still serving the previous schema'))).toBe(true);
  });

  async function rewrites(): Promise<void> {
    const added: string[] = [];
    for (const name of ['alpha', 'beta', 'gamma']) {
      added.push(name);
      const reloaded = once(live, 'reloaded');
      await writeFile(path.join(dir, 'items.yaml'), spec(added));
      const [event] = (await reloaded) as [ReloadedEvent];
      expect(event.diff.added.join('\n')).toContain(`'${name}'`);
      expect(event.diff.breaking).toEqual([]);
      expect(rootFields()).toContain(name);
      const { body } = await query(`{ ${name} { id name } }`);
      expect(body.data?.[name]).toEqual({ id: name, name: `item ${name}` });
      await streamCaughtUp();
    }

    // Removing an operation is reported as breaking.
    {
      const reloaded = once(live, 'reloaded');
      await writeFile(path.join(dir, 'items.yaml'), spec(['alpha', 'beta']));
      const [event] = (await reloaded) as [ReloadedEvent];
      expect(event.diff.breaking.join('\n')).toContain("'gamma'");
      await streamCaughtUp();
    }

    // A config that is not valid YAML: the error is printed, the schema stays.
    {
      const failed = once(live, 'failed');
      await writeFile(path.join(dir, '.meshrc.yaml'), 'sources:\n  - name: Items\n    handler: [unclosed\n');
      const [event] = (await failed) as [FailedEvent];
      expect(event.error.message).toMatch(/\.meshrc\.yaml:\d+: not valid YAML/);
      expect(rootFields()).toEqual(['alpha', 'beta', 'listItems']);
    }

    // Config fixed (comment changed only): swaps again, nothing changed in the schema.
    {
      const reloaded = once(live, 'reloaded');
      await writeFile(path.join(dir, '.meshrc.yaml'), config(backend.url, ' (fixed)'));
      const [event] = (await reloaded) as [ReloadedEvent];
      expect(event.diff).toEqual({ added: [], removed: [], breaking: [], other: [] });
      await streamCaughtUp();
    }

    // A spec that no longer parses: the source would stop loading, so nothing is swapped.
    {
      const failed = once(live, 'failed');
      await writeFile(path.join(dir, 'items.yaml'), 'openapi: 3.0.3\npaths: {{{ not yaml');
      const [event] = (await failed) as [FailedEvent];
      expect(event.error.message).toMatch(/items\.yaml: unexpected end of the stream/);
      expect(rootFields()).toEqual(['alpha', 'beta', 'listItems']);
    }
  }
});
