// Per-source auth judges subscriptions as it judges calls: with `graphql: optional` and
// `sources.Shop: required`, an anonymous client may query what needs no credentials but
// may not listen to Shop's webhook events (a field error, UNAUTHENTICATED, and no
// subscription made); with its key it gets them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { removeTempDir } from '../helpers/backend.ts';
import { writeSources } from '../helpers/openapi.ts';
import { SECRET, shopDoc, sign, sseSubscribe, startShop, type Shop } from './fixtures.ts';

const KEY = 'auth-test-key';
let shop: Shop;
let gateway: Gateway;
let dir: string;
let base: string;

beforeAll(async () => {
  shop = await startShop();
  dir = await writeSources({
    specs: { 'shop.yaml': shopDoc() },
    sources: [{ name: 'Shop', spec: 'shop.yaml', endpoint: shop.url }],
    tributary: [
      '  sources:',
      '    Shop:',
      '      webhooks:',
      '        verify: hmac-sha256',
      `        secret: ${SECRET}`,
      '  policies:',
      '    auth:',
      '      apiKeys:',
      '        keys:',
      `          - { id: client, key: ${KEY} }`,
      '      graphql: optional',
      '      sources:',
      '        Shop: required',
    ].join('\n'),
  });
  gateway = await createGateway({ configFile: `${dir}/.meshrc.yaml`, logger: silentLogger });
  base = `http://127.0.0.1:${(await gateway.listen({ port: 0, host: '127.0.0.1' })).port}`;
}, 60_000);

afterAll(async () => {
  await gateway?.close({ graceMs: 0 });
  await shop?.close();
  if (dir) await removeTempDir(dir);
});

const SUBSCRIPTION = 'subscription { onShipped { orderId } }';

describe('per-source auth on subscriptions', () => {
  it('an anonymous subscription to a source that requires credentials is refused, and listens to nothing', async () => {
    const stream = await sseSubscribe(`${base}/graphql`, SUBSCRIPTION);
    const refused = await stream.next();
    expect(refused.data.errors.map((e: any) => [e.path, e.extensions.code])).toEqual([[['onShipped'], 'UNAUTHENTICATED']]);
    const body = JSON.stringify({ orderId: 'nobody-hears' });
    const answer = await fetch(`${base}/webhooks/Shop/onShipped`, { method: 'POST', headers: { 'x-tributary-signature-256': sign(body) }, body });
    expect(await answer.json()).toEqual({ delivered: 0 });
  });

  it('with the key, the subscription gets the events', async () => {
    const stream = await sseSubscribe(`${base}/graphql`, SUBSCRIPTION, {}, { 'x-api-key': KEY });
    const body = JSON.stringify({ orderId: 'o-1' });
    const answer = await fetch(`${base}/webhooks/Shop/onShipped`, { method: 'POST', headers: { 'x-tributary-signature-256': sign(body) }, body });
    expect(await answer.json()).toEqual({ delivered: 1 });
    expect((await stream.next()).data).toEqual({ data: { onShipped: { orderId: 'o-1' } } });
    stream.close();
  });
});
