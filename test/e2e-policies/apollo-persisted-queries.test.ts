// A frontend's view of persisted documents: Apollo Client with its persisted-queries
// link (SHA-256 from node:crypto) against gateways listening on loopback — `tributary
// start` processes, as a team would run them, and in-process gateways where the test
// restarts one or stops Redis under it. With
// automatic persisted queries in a real Redis, the first request misses and the link
// sends the query, the next sends only the hash; a second replica sharing the Redis, or
// the gateway restarted, still knows the hash; GET by hash works. With trusted documents
// only (production, a manifest), a document from the manifest runs by its hash alone and
// anything else is refused before any upstream call.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApolloClient, ApolloLink, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { print } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.ts';
import { redisServerBinary, startRedis, type RedisServer } from '../policies/fixtures/redis.ts';
import { startGateway, type SocketGateway } from '../policies/fixtures/gateway.ts';
import { PRODUCTS, startWorld, type World } from '../policies/fixtures/world.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const binary = redisServerBinary();

/** One HTTP exchange as the client made it. */
interface Exchange {
  method: string;
  sentQuery: boolean;
  status: number;
  codes: unknown[];
}

/** Apollo Client with the persisted-queries link, recording what goes over the wire. */
function apolloClient(base: string, options: { useGET?: boolean } = {}) {
  const exchanges: Exchange[] = [];
  const recording: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as { query?: string }) : undefined;
    const response = await fetch(input, init);
    const text = await response.clone().text();
    let codes: unknown[] = [];
    try {
      codes = ((JSON.parse(text) as { errors?: Array<{ extensions?: { code?: unknown } }> }).errors ?? []).map((e) => e.extensions?.code);
    } catch {
      // not JSON: no codes
    }
    exchanges.push({ method: init?.method ?? 'GET', sentQuery: Boolean(body?.query ?? url.searchParams.get('query')), status: response.status, codes });
    return response;
  };
  const client = new ApolloClient({
    cache: new InMemoryCache(),
    link: ApolloLink.from([
      new PersistedQueryLink({ sha256, useGETForHashedQueries: options.useGET ?? false }),
      // The header Apollo's own CSRF prevention asks for; the gateway accepts it too (GET needs one).
      new HttpLink({ uri: `${base}/graphql`, fetch: recording, headers: { 'apollo-require-preflight': 'true' } }),
    ]),
  });
  return { client, exchanges };
}

const LIST = gql`
  query List {
    listProducts {
      id
      name
    }
  }
`;
const listed = { listProducts: PRODUCTS.map(({ id, name }) => ({ __typename: 'Product', id, name })) };

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world?.close());
beforeEach(() => world.reset());

describe.skipIf(!binary)('automatic persisted queries in Redis, two replicas', () => {
  let redis: RedisServer;
  const gateways: SocketGateway[] = [];
  const start = async () => {
    const tributary = ['  policies:', '    apq:', '      store: redis', `      redisUrl: ${redis.url}`].join('\n');
    const g = await startGateway(world, tributary, { socket: true, configName: 'apq.yaml' });
    gateways.push(g);
    return g;
  };
  beforeAll(async () => {
    redis = await startRedis(binary!);
  });
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.close()));
    await redis?.close();
  });

  it('first request misses and the link sends the query; then the hash alone is enough, on this replica, another, and after a restart', async () => {
    const [one, two] = [await start(), await start()];
    const first = apolloClient(one.base);
    expect((await first.client.query({ query: LIST, fetchPolicy: 'network-only' })).data).toEqual(listed);
    expect(first.exchanges).toEqual([
      { method: 'POST', sentQuery: false, status: 404, codes: ['PERSISTED_QUERY_NOT_FOUND'] },
      { method: 'POST', sentQuery: true, status: 200, codes: [] },
    ]);
    first.exchanges.length = 0;
    expect((await first.client.query({ query: LIST, fetchPolicy: 'network-only' })).data).toEqual(listed);
    expect(first.exchanges).toEqual([{ method: 'POST', sentQuery: false, status: 200, codes: [] }]);

    // Another replica: a new client, its first request already hits.
    const other = apolloClient(two.base);
    expect((await other.client.query({ query: LIST, fetchPolicy: 'network-only' })).data).toEqual(listed);
    expect(other.exchanges).toEqual([{ method: 'POST', sentQuery: false, status: 200, codes: [] }]);

    // The first gateway restarted: its memory is gone, Redis is not.
    await one.close();
    const again = await start();
    const afterRestart = apolloClient(again.base);
    expect((await afterRestart.client.query({ query: LIST, fetchPolicy: 'network-only' })).data).toEqual(listed);
    expect(afterRestart.exchanges).toEqual([{ method: 'POST', sentQuery: false, status: 200, codes: [] }]);
    expect(world.catalog.calls.filter((c) => c.url === '/products')).toHaveLength(4);
  });

  it('GET with only the hash (useGETForHashedQueries), after a miss that the link answers with a POST', async () => {
    const g = gateways.at(-1)!;
    const query = gql`
      query Names {
        listProducts {
          name
        }
      }
    `;
    const get = apolloClient(g.base, { useGET: true });
    await get.client.query({ query, fetchPolicy: 'network-only' });
    expect(get.exchanges).toEqual([
      { method: 'GET', sentQuery: false, status: 404, codes: ['PERSISTED_QUERY_NOT_FOUND'] },
      { method: 'POST', sentQuery: true, status: 200, codes: [] },
    ]);
    get.exchanges.length = 0;
    const result = await get.client.query({ query, fetchPolicy: 'network-only' });
    expect(result.data).toEqual({ listProducts: PRODUCTS.map(({ name }) => ({ __typename: 'Product', name })) });
    expect(get.exchanges).toEqual([{ method: 'GET', sentQuery: false, status: 200, codes: [] }]);
  });

  it('with Redis down, a hash reads as a miss and the link sends the query: every request is answered', async () => {
    const g = gateways.at(-1)!;
    await redis.stop();
    const query = gql`
      query Ids {
        listProducts {
          id
        }
      }
    `;
    const { client, exchanges } = apolloClient(g.base);
    for (let i = 0; i < 2; i += 1) {
      const result = await client.query({ query, fetchPolicy: 'network-only' });
      expect(result.data).toEqual({ listProducts: PRODUCTS.map(({ id }) => ({ __typename: 'Product', id })) });
    }
    // The link remembers nothing between requests: each one misses, then sends its query.
    expect(exchanges.map((e) => [e.sentQuery, e.status])).toEqual([
      [false, 404],
      [true, 200],
      [false, 404],
      [true, 200],
    ]);
  });
});

describe('trusted documents only (NODE_ENV=production, a manifest)', () => {
  let g: SocketGateway;
  beforeAll(async () => {
    // The manifest holds what the client sends: the document as its cache transforms it (with __typename), printed.
    const text = print(new InMemoryCache().transformDocument(LIST));
    await writeFile(join(world.dir, 'trusted.json'), JSON.stringify({ [sha256(text)]: text }));
    const tributary = ['  policies:', '    persistedDocuments:', '      manifest: trusted.json'].join('\n');
    g = await startGateway(world, tributary, { socket: true, nodeEnv: 'production', configName: 'trusted.yaml' });
  });
  afterAll(() => g?.close());

  it('a document in the manifest runs from its hash, with no miss first', async () => {
    const { client, exchanges } = apolloClient(g.base);
    expect((await client.query({ query: LIST, fetchPolicy: 'network-only' })).data).toEqual(listed);
    expect(exchanges).toEqual([{ method: 'POST', sentQuery: false, status: 200, codes: [] }]);
  });

  it('a document not in it is refused, the link does not retry, and no upstream call is made', async () => {
    const { client, exchanges } = apolloClient(g.base);
    const unknown = gql`
      query Prices {
        listProducts {
          price
        }
      }
    `;
    const failure = await client.query({ query: unknown, fetchPolicy: 'network-only' }).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(failure?.message).toContain('No trusted document has the SHA-256');
    expect(exchanges).toEqual([{ method: 'POST', sentQuery: false, status: 404, codes: ['PERSISTED_DOCUMENT_NOT_FOUND'] }]);
    // The same document sent whole, as a client without the link would.
    const whole = await fetch(`${g.base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: print(unknown) }),
    });
    expect(whole.status).toBe(403);
    expect(((await whole.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code).toBe('PERSISTED_DOCUMENT_NOT_ALLOWED');
    expect(world.calls()).toBe(0);
  });
});

/** A `tributary start` process on a free loopback port, ready (its /readyz answered 200). */
async function tributaryStart(config: string, env: Record<string, string>): Promise<{ base: string; stop(): Promise<void> }> {
  const port = await freePort();
  const output: string[] = [];
  const child: ChildProcess = spawn(
    process.execPath,
    [join(process.cwd(), 'bin/tributary.js'), 'start', '--config', config, '--port', String(port), '--host', '127.0.0.1'],
    {
      env: { ...process.env, TRIBUTARY_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  const base = `http://127.0.0.1:${port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  // Bounded polling of /readyz: up to ~45 s in 100 ms steps; fail at once if the process died.
  for (let i = 0; i < 450; i += 1) {
    if (child.exitCode !== null) throw new Error(`tributary start exited with ${child.exitCode}:\n${output.join('')}`);
    const ready = await fetch(`${base}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) return { base, stop };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error(`tributary start never became ready:\n${output.join('')}`);
}

describe.skipIf(!binary)('`tributary start` processes', () => {
  let redis: RedisServer;
  const processes: Array<{ base: string; stop(): Promise<void> }> = [];
  beforeAll(async () => {
    redis = await startRedis(binary!);
  });
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await redis?.close();
  });

  it('two replicas sharing Redis: a miss and the query on one, then the hash alone on the other, by POST and by GET', async () => {
    const config = await world.config(
      ['  policies:', '    apq:', '      store: redis', "      redisUrl: '{env.TEST_REDIS_URL}'"].join('\n'),
      'apq-processes.yaml',
    );
    const [one, two] = await Promise.all([tributaryStart(config, { TEST_REDIS_URL: redis.url }), tributaryStart(config, { TEST_REDIS_URL: redis.url })]);
    processes.push(one, two);
    const first = apolloClient(one.base);
    expect((await first.client.query({ query: LIST, fetchPolicy: 'network-only' })).data).toEqual(listed);
    expect(first.exchanges.map((e) => [e.method, e.sentQuery, e.status, e.codes])).toEqual([
      ['POST', false, 404, ['PERSISTED_QUERY_NOT_FOUND']],
      ['POST', true, 200, []],
    ]);
    const other = apolloClient(two.base, { useGET: true });
    expect((await other.client.query({ query: LIST, fetchPolicy: 'network-only' })).data).toEqual(listed);
    expect(other.exchanges.map((e) => [e.method, e.sentQuery, e.status])).toEqual([['GET', false, 200]]);
  });

  it("production with a manifest: the manifest's document runs by its hash; any other is refused with no upstream call", async () => {
    const text = print(new InMemoryCache().transformDocument(LIST));
    await writeFile(join(world.dir, 'processes-trusted.json'), JSON.stringify({ [sha256(text)]: text }));
    const config = await world.config(
      ['  policies:', '    persistedDocuments:', '      manifest: processes-trusted.json'].join('\n'),
      'trusted-processes.yaml',
    );
    const gateway = await tributaryStart(config, { NODE_ENV: 'production' });
    processes.push(gateway);
    const known = apolloClient(gateway.base);
    expect((await known.client.query({ query: LIST, fetchPolicy: 'network-only' })).data).toEqual(listed);
    expect(known.exchanges.map((e) => [e.sentQuery, e.status])).toEqual([[false, 200]]);
    world.reset();
    const unknown = apolloClient(gateway.base);
    const refused = await unknown.client.query({ query: gql('query Prices { listProducts { price } }'), fetchPolicy: 'network-only' }).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(refused).toBeInstanceOf(Error);
    expect(unknown.exchanges.map((e) => [e.sentQuery, e.status, e.codes])).toEqual([[false, 404, ['PERSISTED_DOCUMENT_NOT_FOUND']]]);
    const whole = await fetch(`${gateway.base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ listProducts { price } }' }),
    });
    expect(whole.status).toBe(403);
    expect(world.calls()).toBe(0);
  });
});
