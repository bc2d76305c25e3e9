// tributary.subscriptions and tributary.sources.<name>.webhooks in the one strict schema:
// defaults with their units, unknown keys refused, and a Redis pubsub without a URL a
// config error at start rather than a gateway whose webhooks reach nobody.
import { describe, expect, it } from 'vitest';
import { TributarySettings } from '../../src/config/schema.ts';
import { createEventBus } from '../../src/subscriptions/bus.ts';
import { silentLogger } from '../../src/observability/log.ts';

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

  it('pubsub redis without redisUrl or TRIBUTARY_REDIS_URL is CONFIG_INVALID', () => {
    const saved = process.env.TRIBUTARY_REDIS_URL;
    delete process.env.TRIBUTARY_REDIS_URL;
    try {
      const settings = TributarySettings.parse({ subscriptions: { pubsub: 'redis' } }).subscriptions;
      expect(() => createEventBus(settings, silentLogger)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    } finally {
      if (saved !== undefined) process.env.TRIBUTARY_REDIS_URL = saved;
    }
  });
});
