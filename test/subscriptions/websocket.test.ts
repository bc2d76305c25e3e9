// GraphQL over WebSocket (graphql-ws) on the gateway's GraphQL path, over real sockets,
// with an auth policy on: a socket gets what the same request over HTTP gets. With the
// API key, a subscription receives the service's webhook calls; without it the operation
// is refused with UNAUTHENTICATED, exactly as SSE is answered 401. Here the source checks
// a shared secret in a header of its own choosing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from 'graphql-ws';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { removeTempDir } from '../helpers/backend.ts';
import { writeSources } from '../helpers/openapi.ts';
import { postUntilDelivered, shopDoc, sseSubscribe, startShop, wsClient, type Shop } from './fixtures.ts';

const KEY = 'ws-test-key';
let shop: Shop;
let gateway: Gateway;
let dir: string;
let base: string;
const clients: Client[] = [];

beforeAll(async () => {
  process.env.TRIBUTARY_TEST_WS_SECRET = 'plain-shared-secret';
  shop = await startShop();
  dir = await writeSources({
    specs: { 'shop.yaml': shopDoc() },
    sources: [{ name: 'Shop', spec: 'shop.yaml', endpoint: shop.url }],
    tributary: [
      '  sources:',
      '    Shop:',
      '      webhooks:',
      "        secret: '{env.TRIBUTARY_TEST_WS_SECRET}'",
      '        header: X-Shop-Token',
      '  policies:',
      '    auth:',
      '      apiKeys:',
      '        keys:',
      `          - { id: client, key: ${KEY} }`,
    ].join('\n'),
  });
  gateway = await createGateway({ configFile: `${dir}/.meshrc.yaml`, logger: silentLogger });
  base = `http://127.0.0.1:${(await gateway.listen({ port: 0, host: '127.0.0.1' })).port}`;
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await gateway?.close({ graceMs: 0 });
  await shop?.close();
  if (dir) await removeTempDir(dir);
});

describe('subscriptions over graphql-ws', () => {
  it('delivers a webhook call to a socket subscription made with the credentials of the upgrade request', async () => {
    const client = await wsClient(`${base}/graphql`, { 'x-api-key': KEY });
    clients.push(client);
    const events = client.iterate({ query: 'subscription { onShipped { orderId carrier } }' });
    const first = events.next();
    const body = JSON.stringify({ orderId: 'ws-1', carrier: 'DPD' });
    expect(await postUntilDelivered(`${base}/webhooks/Shop/onShipped`, body, { 'x-shop-token': 'plain-shared-secret' })).toBe(1);
    expect((await first).value).toEqual({ data: { onShipped: { orderId: 'ws-1', carrier: 'DPD' } } });
    await events.return?.();
  });

  it('runs queries over the socket too', async () => {
    const client = await wsClient(`${base}/graphql`, { 'x-api-key': KEY });
    clients.push(client);
    const results = client.iterate({ query: '{ __typename }' });
    expect((await results.next()).value).toEqual({ data: { __typename: 'Query' } });
    expect((await results.next()).done).toBe(true);
  });

  it('refuses an operation whose upgrade request has no credentials, as HTTP does', async () => {
    const sse = await sseSubscribe(`${base}/graphql`, 'subscription { onShipped { orderId } }');
    expect(sse.status).toBe(401);
    const client = await wsClient(`${base}/graphql`);
    clients.push(client);
    const refused = await client
      .iterate({ query: 'subscription { onShipped { orderId } }' })
      .next()
      .then(
        () => undefined,
        (errors: unknown) => errors,
      );
    expect((refused as Array<{ extensions?: { code?: string } }>).map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });

  it('a wrong shared secret is refused and reaches no subscriber', async () => {
    const answer = await fetch(`${base}/webhooks/Shop/onShipped`, { method: 'POST', headers: { 'x-shop-token': 'guess' }, body: '{}' });
    expect(answer.status).toBe(403);
    expect(((await answer.json()) as any).error.code).toBe('WEBHOOK_BAD_SIGNATURE');
  });

  it('opens sockets on the GraphQL path only', async () => {
    await expect(wsClient(`${base}/elsewhere`, { 'x-api-key': KEY })).rejects.toBeDefined();
  });

  // Last: it unsets the secret's variable.
  it('a secret that resolves to nothing (an unset variable) turns the route off rather than accepting an empty secret', async () => {
    delete process.env.TRIBUTARY_TEST_WS_SECRET;
    const answer = await fetch(`${base}/webhooks/Shop/onShipped`, { method: 'POST', headers: { 'x-shop-token': '' }, body: '{}' });
    expect(answer.status).toBe(404);
    expect(((await answer.json()) as any).error.code).toBe('WEBHOOK_NOT_CONFIGURED');
  });
});
