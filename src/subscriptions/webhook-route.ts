// POST /webhooks/<source>/<key>[/…]: where a service delivers callback and webhook calls
// (README "Subscriptions and webhooks"). A call is judged in this order, each step
// before anything that could tell a stranger more:
//   1. the source has webhook settings with a secret (else 404 WEBHOOK_NOT_CONFIGURED:
//      secure by default, no settings means no route);
//   2. the body fits maxBodyBytes (413 PAYLOAD_TOO_LARGE), read whole — the signature is
//      over the raw bytes;
//   3. the secret or signature header (401 WEBHOOK_UNSIGNED, 403 WEBHOOK_BAD_SIGNATURE),
//      before the key is looked up, so that only the source can map its keys;
//   4. `<key>` names a Subscription field of the source in the served schema (404
//      WEBHOOK_NOT_DECLARED), called with the method its callback declares (405);
//   5. the body is JSON (400 WEBHOOK_BAD_BODY);
// then the event goes to the bus and the answer is 202 `{ "delivered": n }`, n being how
// many listeners took it (0: nobody subscribed; the event is not kept).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isObjectType, type GraphQLSchema } from 'graphql';
import type { SourceWebhookSettings } from '../config/subscriptions.ts';
import { interpolateEnv } from '../config/env.ts';
import { webhookTopic, type WebhookField } from '../context.ts';
import { httpError, TributaryError, type ErrorCode } from '../errors.ts';
import type { Logger } from '../observability/log.ts';
import type { EventBus } from './bus.ts';
import { verifyWebhook, webhookHeader } from './signature.ts';

export interface WebhookRouteOptions {
  /** The route's prefix, e.g. `/webhooks`. */
  readonly path: string;
  readonly maxBodyBytes: number;
  /** The settings and schema being served now (a reload changes both). */
  readonly current: () => { sources: Readonly<Record<string, { webhooks?: SourceWebhookSettings }>>; schema: GraphQLSchema };
  readonly bus: EventBus;
  readonly logger: Logger;
}

export interface WebhookRoute {
  matches(url: string): boolean;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/** Per served schema: source → key → the field's declaration. */
const declaredBySchema = new WeakMap<GraphQLSchema, Map<string, Map<string, WebhookField>>>();

function declared(schema: GraphQLSchema): Map<string, Map<string, WebhookField>> {
  let found = declaredBySchema.get(schema);
  if (found) return found;
  found = new Map();
  const root = schema.getSubscriptionType();
  for (const field of root && isObjectType(root) ? Object.values(root.getFields()) : []) {
    const webhook = field.extensions.tributaryWebhook as WebhookField | undefined;
    if (!webhook) continue;
    let keys = found.get(webhook.source);
    if (!keys) found.set(webhook.source, (keys = new Map()));
    keys.set(webhook.key, webhook);
  }
  declaredBySchema.set(schema, found);
  return found;
}

class Refusal extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const length = Number(req.headers['content-length']);
  if (length > limit) return Promise.reject(new Refusal('PAYLOAD_TOO_LARGE', `The webhook body exceeds ${limit} bytes.`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new Refusal('PAYLOAD_TOO_LARGE', `The webhook body exceeds ${limit} bytes.`));
      } else chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/** `[source, key]` of a path under the prefix, percent-decoded; undefined when there are not both. */
function splitPath(pathname: string, prefix: string): [string, string] | undefined {
  const [source, key] = pathname.slice(prefix.length + 1).split('/');
  if (!source || !key) return undefined;
  try {
    return [decodeURIComponent(source), decodeURIComponent(key)];
  } catch {
    return undefined;
  }
}

export function createWebhookRoute(options: WebhookRouteOptions): WebhookRoute {
  const { path: prefix, bus, logger } = options;
  const judge = async (req: IncomingMessage): Promise<{ delivered: number }> => {
    // Parsed as URL parsing does (dot segments resolved), which is also how a subscriber's
    // callback URL is read (schema/subscriptions.ts): both sides compare the same path.
    const pathname = new URL(req.url ?? '/', 'http://gateway.invalid').pathname;
    const parts = splitPath(pathname, prefix);
    const { sources, schema } = options.current();
    const settings = parts && Object.hasOwn(sources, parts[0]) ? sources[parts[0]]?.webhooks : undefined;
    const secret = settings && interpolateEnv(settings.secret);
    if (!parts || !settings || !secret) throw new Refusal('WEBHOOK_NOT_CONFIGURED', 'No webhook route for this source.');
    const [source, key] = parts;
    const body = await readBody(req, options.maxBodyBytes);
    const refused = verifyWebhook(settings, secret, req.headers[webhookHeader(settings)] as string | undefined, body);
    if (refused) throw new Refusal(refused, refused === 'WEBHOOK_UNSIGNED' ? 'The webhook call is not signed.' : 'The webhook signature does not match.');
    const field = declared(schema).get(source)?.get(key);
    if (!field) throw new Refusal('WEBHOOK_NOT_DECLARED', `Source "${source}" declares no callback or webhook "${key}".`);
    if (req.method !== field.method) throw new Refusal('WEBHOOK_METHOD_NOT_ALLOWED', `"${key}" is called with ${field.method}.`, { allow: field.method });
    let payload: unknown;
    try {
      payload = body.length ? JSON.parse(body.toString('utf8')) : null;
    } catch {
      throw new Refusal('WEBHOOK_BAD_BODY', 'The webhook body is not JSON.');
    }
    const delivered = await bus.publish(webhookTopic(source, key), { path: pathname, body: payload });
    logger.debug({ source, key, delivered }, 'webhook delivered');
    return { delivered };
  };
  return {
    matches: (url) => url === prefix || url.startsWith(`${prefix}/`) || url.startsWith(`${prefix}?`),
    async handle(req, res) {
      try {
        const answer = await judge(req);
        res.writeHead(202, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(answer));
      } catch (error) {
        const refusal =
          error instanceof Refusal
            ? error
            : error instanceof TributaryError
              ? new Refusal(error.code, error.message)
              : new Refusal('INTERNAL_SERVER_ERROR', 'Unexpected error.');
        if (!(error instanceof Refusal)) logger.error({ err: error }, 'webhook call failed');
        const answer = httpError({ code: refusal.code, message: refusal.message }, 'rest');
        // A refused body may still be arriving; the connection is not reused for it.
        if (!req.complete) res.setHeader('connection', 'close');
        res.writeHead(answer.status, { ...answer.headers, ...refusal.headers }).end(answer.body);
      }
    },
  };
}
