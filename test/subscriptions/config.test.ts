// tributary.subscriptions and tributary.sources.<name>.webhooks in the one strict schema:
// defaults with their units, unknown keys refused, and a Redis pubsub without a URL a
// config error at start rather than a gateway whose webhooks reach nobody.
import { describe, expect, it } from 'vitest';
import { createGateway } from '../../src/gateway.ts';
import { removeTempDir } from '../helpers/backend.ts';
import { writeSources } from '../helpers/openapi.ts';
import { shopDoc } from './fixtures.ts';
import { TributarySettings } from '../../src/config/schema.ts';
import { createEventBus } from '../../src/subscriptions/bus.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { perWorkerSubscriptionWarnings } from '../../src/runtime/workers.ts';

describe('subscription settings', () => {
  it('defaults: memory pubsub, /webhooks, 1 MiB bodies, graphql-ws on; no source has a webhook route', () => {
    const settings = TributarySettings.parse({ sources: { Shop: {} } });
    expect(settings.subscriptions).toEqual({ pubsub: 'memory', webhookPath: '/webhooks', maxBodyBytes: 1_048_576, websocket: true });
    expect(settings.sources.Shop.webhooks).toBeUndefined();
    expect(TributarySettings.parse({ sources: { Shop: { webhooks: { secret: 's' } } } }).sources.Shop.webhooks).toEqual({ verify: 'secret', secret: 's' });
  });

  it.each([
    ['an unknown subscriptions key', { subscriptions: { pubsubb: 'redis' } }],
    ['an unknown webhooks key', { sources: { Shop: { webhooks: { secret: 's', algorithm: 'sha1' } } } }],
    ['webhooks without a secret', { sources: { Shop: { webhooks: { verify: 'hmac-sha256' } } } }],
    ['an empty secret', { sources: { Shop: { webhooks: { secret: '' } } } }],
    ['a verify scheme that is not offered', { sources: { Shop: { webhooks: { secret: 's', verify: 'hmac-sha1' } } } }],
    ['a header that is no header name', { sources: { Shop: { webhooks: { secret: 's', header: 'x sig' } } } }],
    ['a webhook path that is not a path', { subscriptions: { webhookPath: 'webhooks' } }],
    ['a pubsub that is not offered', { subscriptions: { pubsub: 'kafka' } }],
  ])('refuses %s', (_what, value) => {
    expect(TributarySettings.safeParse(value).success).toBe(false);
  });

  it('pubsub redis without redisUrl or TRIBUTARY_REDIS_URL is CONFIG_INVALID, for the bus and for the gateway', async () => {
    const saved = process.env.TRIBUTARY_REDIS_URL;
    delete process.env.TRIBUTARY_REDIS_URL;
    const dir = await writeSources({
      specs: { 'shop.yaml': shopDoc() },
      sources: [{ name: 'Shop', spec: 'shop.yaml', endpoint: 'http://127.0.0.1:9' }],
      tributary: '  subscriptions:\n    pubsub: redis\n',
    });
    try {
      const settings = TributarySettings.parse({ subscriptions: { pubsub: 'redis' } }).subscriptions;
      expect(() => createEventBus(settings, silentLogger)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
      await expect(createGateway({ configFile: `${dir}/.meshrc.yaml`, logger: silentLogger })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    } finally {
      if (saved !== undefined) process.env.TRIBUTARY_REDIS_URL = saved;
      await removeTempDir(dir);
    }
  });

  it.each([
    ['memory pubsub, a source with webhooks, 2 workers', { sources: { Shop: { webhooks: { secret: 's' } } } }, 2, 1],
    ['memory pubsub, 1 worker', { sources: { Shop: { webhooks: { secret: 's' } } } }, 1, 0],
    ['memory pubsub, no webhook route, 4 workers', { sources: { Shop: {} } }, 4, 0],
    ['redis pubsub, 4 workers', { subscriptions: { pubsub: 'redis' }, sources: { Shop: { webhooks: { secret: 's' } } } }, 4, 0],
  ])('warns at start when events would not cross workers: %s', (_what, value, workers, count) => {
    const warnings = perWorkerSubscriptionWarnings(TributarySettings.parse(value), workers);
    expect(warnings).toHaveLength(count);
    if (count) expect(warnings[0]).toContain('pubsub is "memory" with 2 workers');
  });
});
