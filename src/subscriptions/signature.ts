// Whether a webhook call comes from the source it claims (README "Subscriptions and
// webhooks"). Two schemes, per source:
//   secret       the header carries the shared secret itself;
//   hmac-sha256  the header carries `sha256=<hex>`, the HMAC-SHA256 (RFC 2104, FIPS 180-4)
//                of the raw body under the secret — GitHub's X-Hub-Signature-256 form —
//                so the secret never travels and the body cannot be altered on the way.
// Both compare with crypto.timingSafeEqual over equal-length digests, so the time an
// answer takes tells nothing about how much of a guess was right.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { SourceWebhookSettings } from '../config/subscriptions.ts';
import type { ErrorCode } from '../errors.ts';

export const DEFAULT_HEADERS = { secret: 'x-tributary-webhook-secret', 'hmac-sha256': 'x-tributary-signature-256' } as const;

const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;

/** The header a source's calls must carry, lower case. */
export function webhookHeader(settings: SourceWebhookSettings): string {
  return (settings.header ?? DEFAULT_HEADERS[settings.verify]).toLowerCase();
}

/** Undefined when the call is the source's; else the code to refuse it with. */
export function verifyWebhook(settings: SourceWebhookSettings, secret: string, sent: string | undefined, body: Buffer): ErrorCode | undefined {
  if (sent === undefined || sent === '') return 'WEBHOOK_UNSIGNED';
  if (settings.verify === 'secret') {
    // Digests first: timingSafeEqual needs equal lengths, and a length check would tell.
    const digest = (value: string) => createHash('sha256').update(value).digest();
    return timingSafeEqual(digest(sent), digest(secret)) ? undefined : 'WEBHOOK_BAD_SIGNATURE';
  }
  const hex = SIGNATURE.exec(sent.trim())?.[1];
  if (!hex) return 'WEBHOOK_BAD_SIGNATURE';
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(Buffer.from(hex, 'hex'), expected) ? undefined : 'WEBHOOK_BAD_SIGNATURE';
}

/** `sha256=<hex>` for `body` under `secret`: what a service sends (and the tests). */
export function signWebhook(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
