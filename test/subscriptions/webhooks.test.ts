// OAS 3.1 `webhooks` (§4.8.1) as Subscription fields, and the webhook route's guarantees
// as one table: every refusal has its code and status and delivers nothing — the next
// event a subscriber sees is the next accepted call. A source without webhook settings
// has no route at all (secure by default).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { removeTempDir, startBackend, type Backend } from '../helpers/backend.ts';
import { meshrc, writeSources } from '../helpers/openapi.ts';
import { SECRET, shopDoc, sign, sseSubscribe } from './fixtures.ts';

const Pet = { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' } } };
const petsDoc = {
  openapi: '3.1.0',
  info: { title: 'Pets', version: '1' },
  paths: {
    '/pets': {
      get: {
        operationId: 'listPets',
        responses: {
          '200': { description: 'ok', content: { 'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/Pet' } } } } },
        },
      },
    },
  },
  webhooks: {
    newPet: {
      post: { requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Pet' } } } }, responses: { '200': { description: 'ok' } } },
    },
    petGone: {
      put: {
        operationId: 'onPetGone',
        requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { id: { type: 'integer' } } } } } },
        responses: { '200': { description: 'ok' } },
      },
      delete: { responses: { '200': { description: 'ok' } } },
    },
    broken: 'not a path item',
  },
  components: { schemas: { Pet } },
};

let backend: Backend;
let gateway: Gateway;
let dir: string;
let base: string;

beforeAll(async () => {
  backend = await startBackend(() => ({ status: 200, body: [] }));
  dir = await writeSources({
    specs: { 'shop.yaml': shopDoc() },
    files: {
      'pets.yaml': stringify(petsDoc),
      '.meshrc.yaml': meshrc(
        [
          { name: 'Pets', spec: 'pets.yaml', endpoint: backend.url },
          { name: 'Shop', spec: 'shop.yaml', endpoint: backend.url },
        ],
        [
          '  subscriptions:',
          '    maxBodyBytes: 1024',
          '  sources:',
          '    Pets:',
          '      webhooks:',
          '        verify: hmac-sha256',
          `        secret: ${SECRET}`,
        ].join('\n'),
      ),
    },
  });
  gateway = await createGateway({ configFile: `${dir}/.meshrc.yaml`, logger: silentLogger });
  base = `http://127.0.0.1:${(await gateway.listen({ port: 0, host: '127.0.0.1' })).port}`;
}, 60_000);

afterAll(async () => {
  await gateway?.close({ graceMs: 0 });
  await backend?.close();
  if (dir) await removeTempDir(dir);
});

describe('OAS 3.1 webhooks', () => {
  it('each webhook is a Subscription field named by its operationId, else its name, typed by its request body; the rest are warnings', async () => {
    const subscription = gateway.current().built.schema.getSubscriptionType()!;
    const fields = Object.fromEntries(Object.values(subscription.getFields()).map((f) => [f.name, [String(f.type), f.args.map((a) => a.name)]]));
    expect(fields).toEqual({ newPet: ['Pet', []], onPetGone: [expect.any(String), []], onShipped: ['Shipment', ['callbackUrl']] });
    // Nothing of the host operation the mapping uses is served.
    expect(Object.keys(gateway.current().built.schema.getQueryType()!.getFields())).not.toContain('tributary_webhooks_host');
    expect(gateway.current().built.schema.getMutationType()?.getFields().tributary_webhooks_host).toBeUndefined();
    const warnings = gateway.current().built.warnings.filter((w) => w.includes('#/webhooks'));
    expect(warnings).toEqual([
      expect.stringContaining('#/webhooks/petGone/delete: the webhook "petGone" declares several operations'),
      expect.stringContaining('#/webhooks/broken: the webhook is not a Path Item Object'),
    ]);
  });

  it('a signed call to /webhooks/Pets/newPet reaches a subscriber of newPet', async () => {
    const stream = await sseSubscribe(`${base}/graphql`, 'subscription { newPet { id name } }');
    const body = JSON.stringify({ id: 7, name: 'Rex' });
    const answer = await fetch(`${base}/webhooks/Pets/newPet`, { method: 'POST', headers: { 'x-tributary-signature-256': sign(body) }, body });
    expect([answer.status, await answer.json()]).toEqual([202, { delivered: 1 }]);
    expect((await stream.next()).data).toEqual({ data: { newPet: { id: 7, name: 'Rex' } } });
    stream.close();
  });
});

// [what, method, path, headers, body, status, code]
const signed = (body: string) => ({ 'x-tributary-signature-256': sign(body) });
const REFUSALS: Array<[string, string, string, Record<string, string>, string, number, string]> = [
  ['a source without webhook settings has no route', 'POST', '/webhooks/Shop/onShipped', signed('{}'), '{}', 404, 'WEBHOOK_NOT_CONFIGURED'],
  ['an unknown source', 'POST', '/webhooks/Nobody/newPet', signed('{}'), '{}', 404, 'WEBHOOK_NOT_CONFIGURED'],
  ['no key after the source', 'POST', '/webhooks/Pets', signed('{}'), '{}', 404, 'WEBHOOK_NOT_CONFIGURED'],
  ['no signature', 'POST', '/webhooks/Pets/newPet', {}, '{}', 401, 'WEBHOOK_UNSIGNED'],
  [
    'a signature under another secret',
    'POST',
    '/webhooks/Pets/newPet',
    { 'x-tributary-signature-256': sign('{}', 'other') },
    '{}',
    403,
    'WEBHOOK_BAD_SIGNATURE',
  ],
  ['a signature of another body', 'POST', '/webhooks/Pets/newPet', signed('{"id":1}'), '{"id":2}', 403, 'WEBHOOK_BAD_SIGNATURE'],
  ['a signature not in sha256=<hex> form', 'POST', '/webhooks/Pets/newPet', { 'x-tributary-signature-256': 'abc' }, '{}', 403, 'WEBHOOK_BAD_SIGNATURE'],
  ['the secret itself instead of a signature', 'POST', '/webhooks/Pets/newPet', { 'x-tributary-signature-256': SECRET }, '{}', 403, 'WEBHOOK_BAD_SIGNATURE'],
  ['a key the source does not declare (checked after the signature)', 'POST', '/webhooks/Pets/nothing', signed('{}'), '{}', 404, 'WEBHOOK_NOT_DECLARED'],
  ['an unsigned call to an undeclared key learns nothing about keys', 'POST', '/webhooks/Pets/nothing', {}, '{}', 401, 'WEBHOOK_UNSIGNED'],
  ['another method than the webhook declares', 'POST', '/webhooks/Pets/onPetGone', signed('{}'), '{}', 405, 'WEBHOOK_METHOD_NOT_ALLOWED'],
  ['a body that is not JSON', 'POST', '/webhooks/Pets/newPet', signed('{oops'), '{oops', 400, 'WEBHOOK_BAD_BODY'],
  ['a body over maxBodyBytes', 'POST', '/webhooks/Pets/newPet', signed('x'.repeat(2000)), 'x'.repeat(2000), 413, 'PAYLOAD_TOO_LARGE'],
];

describe('the webhook route refuses, and a refused call delivers nothing', () => {
  it.each(REFUSALS)('%s', async (_what, method, path, headers, body, status, code) => {
    const stream = await sseSubscribe(`${base}/graphql`, 'subscription { newPet { id name } }');
    const answer = await fetch(`${base}${path}`, { method, headers, body });
    expect(answer.status).toBe(status);
    expect(((await answer.json()) as any).error.code).toBe(code);
    const good = JSON.stringify({ id: 1, name: 'after' });
    await fetch(`${base}/webhooks/Pets/newPet`, { method: 'POST', headers: signed(good), body: good });
    expect((await stream.next()).data).toEqual({ data: { newPet: { id: 1, name: 'after' } } });
    stream.close();
  });

  it('the declared method is accepted, and 405 names it in Allow', async () => {
    const refused = await fetch(`${base}/webhooks/Pets/onPetGone`, { method: 'POST', headers: signed('{}'), body: '{}' });
    expect(refused.headers.get('allow')).toBe('PUT');
    const stream = await sseSubscribe(`${base}/graphql`, 'subscription { onPetGone { id } }');
    const body = JSON.stringify({ id: 3 });
    const answer = await fetch(`${base}/webhooks/Pets/onPetGone`, { method: 'PUT', headers: signed(body), body });
    expect(answer.status).toBe(202);
    expect((await stream.next()).data).toEqual({ data: { onPetGone: { id: 3 } } });
    stream.close();
  });
});
