// Settings for subscriptions and the webhook route (src/subscriptions/): where events
// travel between replicas, and how each source's calls to `/webhooks/<source>/…` prove
// they come from that source. Secure by default: a source without `webhooks` settings
// has no webhook route at all.
import { z } from 'zod';

const positiveInt = z.number().int().positive();

/** How a source's webhook calls are checked; `secret` may be `{env.NAME}`. */
export const SourceWebhookSettings = z
  .object({
    /**
     * `secret`: the header carries the shared secret as it is. `hmac-sha256`: the header
     * carries `sha256=<hex>`, the HMAC-SHA256 of the raw body under the secret (the form
     * GitHub's X-Hub-Signature-256 uses).
     */
    verify: z.enum(['secret', 'hmac-sha256']).default('secret'),
    secret: z.string().min(1),
    /** Header holding the secret or signature; default X-Tributary-Webhook-Secret, or X-Tributary-Signature-256 for hmac-sha256. */
    header: z
      .string()
      .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'expected an HTTP header name (RFC 9110 §5.1)')
      .optional(),
  })
  .strict();
export type SourceWebhookSettings = z.infer<typeof SourceWebhookSettings>;

export const SubscriptionSettings = z
  .object({
    /** `memory`: events reach the subscribers of this process only; `redis`: of every replica on the same Redis. */
    pubsub: z.enum(['memory', 'redis']).default('memory'),
    /** A Redis URL, or `{env.NAME}`; when absent, TRIBUTARY_REDIS_URL is used. */
    redisUrl: z.string().min(1).optional(),
    /** Path prefix of the webhook route. */
    webhookPath: z
      .string()
      .regex(/^\/[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/, 'expected a path such as "/webhooks"')
      .default('/webhooks'),
    /** Largest webhook body accepted; larger calls get 413 PAYLOAD_TOO_LARGE. */
    maxBodyBytes: positiveInt.default(1024 * 1024),
    /** graphql-ws (GraphQL over WebSocket) on the GraphQL path, beside SSE. */
    websocket: z.boolean().default(true),
  })
  .strict();
export type SubscriptionSettings = z.infer<typeof SubscriptionSettings>;
