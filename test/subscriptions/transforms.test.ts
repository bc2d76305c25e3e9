// The webhook key is the field's name as its source defines it, whatever a transform
// renames the field to, and the route follows the served schema: a subscription field
// that a filterSchema transform removed has no webhook key any more. In process
// (gateway.inject): no subscriber is needed to tell a declared key (202) from one that
// is not (404).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { removeTempDir, writeTempDir } from '../helpers/backend.ts';
import { rest } from '../helpers/gateway.ts';
import { specYaml } from '../helpers/openapi.ts';
import { SECRET, shopDoc, sign } from './fixtures.ts';

let gateway: Gateway;
let dir: string;

const source = (name: string, transform: string) =>
  [
    `  - name: ${name}`,
    '    handler:',
    '      openapi:',
    '        source: ./shop.yaml',
    '        endpoint: http://127.0.0.1:9',
    '    transforms:',
    transform,
  ].join('\n');

beforeAll(async () => {
  dir = await writeTempDir({
    'shop.yaml': specYaml(shopDoc()),
    '.meshrc.yaml': [
      'sources:',
      source('Shop', '      - prefix: { value: Shop_, includeRootOperations: true }'),
      source(
        'Filtered',
        '      - prefix: { value: F_, includeRootOperations: true }\n      - filterSchema:\n          filters:\n            - Subscription.!F_onShipped',
      ),
      'tributary:',
      '  sources:',
      ...['Shop', 'Filtered'].flatMap((name) => [`    ${name}:`, '      webhooks:', '        verify: hmac-sha256', `        secret: ${SECRET}`]),
      '',
    ].join('\n'),
  });
  gateway = await createGateway({ configFile: `${dir}/.meshrc.yaml`, logger: silentLogger });
}, 60_000);

afterAll(async () => {
  await gateway?.close({ graceMs: 0 });
  if (dir) await removeTempDir(dir);
});

const post = (path: string) => rest(gateway, 'POST', path, { headers: { 'x-tributary-signature-256': sign('{}') }, body: '{}' });

describe('webhook keys and transforms', () => {
  it('a prefixed field keeps the key its source gave it', async () => {
    expect(Object.keys(gateway.current().built.schema.getSubscriptionType()!.getFields())).toEqual(['Shop_onShipped']);
    const declared = await post('/webhooks/Shop/onShipped');
    expect([declared.status, declared.json()]).toEqual([202, { delivered: 0 }]);
    expect((await post('/webhooks/Shop/Shop_onShipped')).json()).toMatchObject({ error: { code: 'WEBHOOK_NOT_DECLARED' } });
  });

  it('a field that filterSchema removed is no webhook key', async () => {
    const answer = await post('/webhooks/Filtered/onShipped');
    expect([answer.status, answer.json<any>().error.code]).toEqual([404, 'WEBHOOK_NOT_DECLARED']);
  });
});
