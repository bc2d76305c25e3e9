// Outbound rules inside the upstream client, against a real node:http server: they run
// for every call that carries a request scope — buffered and streamed alike — in list
// order and only for their sources, before anything is sent and before the circuit is
// asked, so a refusal never reaches the service and never counts against it.
import { afterEach, describe, expect, it } from 'vitest';
import { createRequestScope, type OutboundRule } from '../../src/context.ts';
import { TributaryError } from '../../src/errors.ts';
import { createUpstreamClient } from '../../src/upstream/client.ts';
import type { UpstreamClient } from '../../src/upstream/types.ts';
import { settings, startServer, type TestServer } from './helpers.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function world(outbound: OutboundRule[]): Promise<{ server: TestServer; client: UpstreamClient; seen: Array<Record<string, unknown>> }> {
  const seen: Array<Record<string, unknown>> = [];
  const server = await startServer((req, res) => {
    seen.push({ ...req.headers });
    res.end('{}');
  });
  const client = createUpstreamClient({
    sources: [
      { name: 'A', endpoint: server.origin, settings: settings({ breakerFailureThreshold: 2 }) },
      { name: 'B', endpoint: server.origin, settings: settings({ breakerFailureThreshold: 2 }) },
    ],
    outbound,
  });
  cleanups.push(
    () => client.close(),
    () => server.close(),
  );
  return { server, client, seen };
}

const scope = (headers: Record<string, string> = {}) => createRequestScope((name) => headers[name], 'req-1');
const setRule = (name: string, value: string, sources?: string[]): OutboundRule => ({
  name,
  sources: sources && new Set(sources),
  apply: (_source, { headers }) => void (headers['x-set'] = `${headers['x-set'] ?? ''}${value}`),
});

describe('outbound rules', () => {
  it.each([
    { call: 'request', via: (c: UpstreamClient, s: ReturnType<typeof scope>) => c.request('A', { method: 'GET', path: '/x', scope: s }) },
    {
      call: 'stream',
      via: async (c: UpstreamClient, s: ReturnType<typeof scope>) => (await c.stream('A', { method: 'GET', path: '/x', scope: s })).body.resume(),
    },
  ])('run in list order on a $call call, and the source is marked as touched', async ({ via }) => {
    const { client, seen } = await world([setRule('first', '1'), setRule('second', '2'), setRule('only B', 'B', ['B'])]);
    const s = scope();
    await via(client, s);
    expect(seen.at(-1)?.['x-set']).toBe('12');
    expect([...s.touched]).toEqual(['A']);
  });

  it('do not run for a call without a scope (a readiness probe, a schema build)', async () => {
    const { client, seen } = await world([setRule('first', '1')]);
    await client.request('A', { method: 'GET', path: '/x' });
    expect(seen.at(-1)?.['x-set']).toBeUndefined();
  });

  it('a refusal sends nothing and never opens the circuit, however often it happens', async () => {
    const refuse: OutboundRule = {
      name: 'refuse',
      apply: () => {
        throw new TributaryError('UNAUTHENTICATED', 'Credentials are required for this request.');
      },
    };
    const { client, seen } = await world([refuse]);
    for (let i = 0; i < 5; i++) {
      await expect(client.request('A', { method: 'GET', path: '/x', scope: scope() })).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    }
    expect(seen).toHaveLength(0);
    expect(client.breakerState('A')).toBe('closed');
    expect(client.openOperations('A')).toEqual([]);
  });

  it('an async rule is awaited before the call goes out', async () => {
    const later: OutboundRule = { name: 'later', apply: async (_s, { headers }) => void (headers['x-later'] = await Promise.resolve('yes')) };
    const { client, seen } = await world([later]);
    await client.request('B', { method: 'GET', path: '/x', scope: scope() });
    expect(seen.at(-1)?.['x-later']).toBe('yes');
  });
});
