// OpenAPI callbacks end to end, over real sockets: a client subscribes over GraphQL over
// SSE, registers its callback URL — the gateway's webhook route — with the service
// through the gateway's mutation, and the service's signed call reaches it as an event.
// A call with a bad signature is refused and delivers nothing (the next event a
// subscriber sees is the next good call); a subscriber sees only the calls made to the
// callback URL it subscribed with.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { removeTempDir } from '../helpers/backend.ts';
import { writeSources } from '../helpers/openapi.ts';
import { SECRET, shopDoc, sign, sseSubscribe, startShop, type Shop } from './fixtures.ts';

let shop: Shop;
let gateway: Gateway;
let dir: string;
let base: string;

const SUBSCRIPTION = 'subscription ($url: String) { onShipped(callbackUrl: $url) { orderId carrier } }';

beforeAll(async () => {
  shop = await startShop();
  dir = await writeSources({
    specs: { 'shop.yaml': shopDoc() },
    sources: [{ name: 'Shop', spec: 'shop.yaml', endpoint: shop.url }],
    tributary: ['  sources:', '    Shop:', '      webhooks:', '        verify: hmac-sha256', `        secret: ${SECRET}`].join('\n'),
  });
  gateway = await createGateway({ configFile: `${dir}/.meshrc.yaml`, logger: silentLogger });
  const listening = await gateway.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${listening.port}`;
}, 60_000);

afterAll(async () => {
  await gateway?.close({ graceMs: 0 });
  await shop?.close();
  if (dir) await removeTempDir(dir);
});

async function register(callbackUrl: string): Promise<void> {
  const answer = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'mutation ($url: String) { registerShipments(input: { callbackUrl: $url }) { id } }', variables: { url: callbackUrl } }),
  });
  expect(await answer.json()).toMatchObject({ data: { registerShipments: { id: expect.any(String) } } });
}

describe('OpenAPI callbacks as subscriptions (GraphQL over SSE)', () => {
  it('the callback is a Subscription field typed by the callback request body, its URL expression an argument', async () => {
    const answer = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __type(name: "Subscription") { fields { name args { name } type { name } } } }' }),
    });
    const sdl = (await answer.json()) as any;
    expect(sdl.data.__type.fields).toEqual([{ name: 'onShipped', args: [{ name: 'callbackUrl' }], type: { name: 'Shipment' } }]);
  });

  it("the service's signed call reaches the subscriber; a bad signature is refused and delivers nothing", async () => {
    const callbackUrl = `${base}/webhooks/Shop/onShipped/client-1`;
    const stream = await sseSubscribe(`${base}/graphql`, SUBSCRIPTION, { url: callbackUrl });
    expect(stream.status).toBe(200);
    await register(callbackUrl);

    const forged = JSON.stringify({ orderId: 'forged', carrier: 'nobody' });
    const refused = await fetch(callbackUrl, { method: 'POST', headers: { 'x-tributary-signature-256': sign(forged, 'wrong-secret') }, body: forged });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: { code: 'WEBHOOK_BAD_SIGNATURE', message: expect.any(String) } });
    const unsigned = await fetch(callbackUrl, { method: 'POST', body: forged });
    expect(unsigned.status).toBe(401);
    expect(((await unsigned.json()) as any).error.code).toBe('WEBHOOK_UNSIGNED');

    // The service ships: it posts to the registered URL, signed with the shared secret.
    const shipped = (await (await fetch(`${shop.url}/ship`, { method: 'POST', body: JSON.stringify({ orderId: 'o-7', carrier: 'DHL' }) })).json()) as any[];
    expect(shipped).toEqual([{ status: 202, body: { delivered: 1 } }]);
    // The first event is the good call: the refused ones delivered nothing.
    expect(await stream.next()).toEqual({ event: 'next', data: { data: { onShipped: { orderId: 'o-7', carrier: 'DHL' } } } });
    stream.close();
  });

  it('a subscriber sees only the calls made to the callback URL it subscribed with; one without arguments sees all', async () => {
    const mine = await sseSubscribe(`${base}/graphql`, SUBSCRIPTION, { url: `${base}/webhooks/Shop/onShipped/mine` });
    const all = await sseSubscribe(`${base}/graphql`, 'subscription { onShipped { orderId } }');
    const post = async (path: string, orderId: string) => {
      const body = JSON.stringify({ orderId, carrier: 'UPS' });
      const answer = await fetch(`${base}${path}`, { method: 'POST', headers: { 'x-tributary-signature-256': sign(body) }, body });
      expect(answer.status).toBe(202);
    };
    await post('/webhooks/Shop/onShipped/other', 'for-other');
    await post('/webhooks/Shop/onShipped/mine', 'for-me');
    expect((await mine.next()).data).toEqual({ data: { onShipped: { orderId: 'for-me', carrier: 'UPS' } } });
    expect((await all.next()).data).toEqual({ data: { onShipped: { orderId: 'for-other' } } });
    expect((await all.next()).data).toEqual({ data: { onShipped: { orderId: 'for-me' } } });
    mine.close();
    all.close();
  });

  // Last: it closes the gateway.
  it('a shutdown completes open subscriptions, so they drain instead of holding the grace period', async () => {
    const stream = await sseSubscribe(`${base}/graphql`, SUBSCRIPTION);
    const closed = gateway.close({ graceMs: 60_000 });
    expect(await stream.next()).toEqual({ event: 'complete', data: undefined });
    await closed;
  });
});
