// A shop service that calls back: `POST /subscriptions` registers a callback URL (OAS
// 3.0.3 §4.7.16, `{$request.body#/callbackUrl}`), and `POST /ship` — a test hook, not in
// the document — makes the service post a Shipment to every registered URL, signed with
// HMAC-SHA256 as GitHub signs its webhooks. Plus the clients: GraphQL over SSE (a raw
// fetch, reading `event:`/`data:` blocks as they arrive) and graphql-ws.
import { createHmac } from 'node:crypto';
import { WebSocket } from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { startBackend, type Backend } from '../helpers/backend.ts';
import { objectOf, openapiDoc, ref, STRING, type OpenApiDoc } from '../helpers/openapi.ts';

export const SECRET = 'test-webhook-secret';

export function sign(body: string, secret = SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

const Shipment = objectOf({ orderId: STRING, carrier: STRING });

export function shopDoc(): OpenApiDoc {
  const doc = openapiDoc({
    title: 'Shop',
    paths: {},
    schemas: { Shipment },
  });
  return {
    ...doc,
    paths: {
      '/subscriptions': {
        post: {
          operationId: 'registerShipments',
          requestBody: { content: { 'application/json': { schema: objectOf({ callbackUrl: STRING }) } } },
          responses: { '200': { description: 'ok', content: { 'application/json': { schema: objectOf({ id: STRING }) } } } },
          callbacks: {
            shipped: {
              '{$request.body#/callbackUrl}': {
                post: {
                  operationId: 'onShipped',
                  requestBody: { content: { 'application/json': { schema: ref('Shipment') } } },
                  responses: { '200': { description: 'ok' } },
                },
              },
            },
          },
        } as never,
      },
    },
  };
}

export interface Shop extends Backend {
  readonly registered: string[];
}

/** The shop service; `POST /ship {orderId, carrier}` posts the shipment to every registered URL and answers their statuses. */
export async function startShop(secret = SECRET): Promise<Shop> {
  const registered: string[] = [];
  const backend = await startBackend(async (req, url, body) => {
    if (req.method === 'POST' && url.pathname === '/subscriptions') {
      registered.push((JSON.parse(body) as { callbackUrl: string }).callbackUrl);
      return { status: 200, body: { id: String(registered.length) } };
    }
    if (req.method === 'POST' && url.pathname === '/ship') {
      const statuses = [];
      for (const target of registered) {
        const answer = await fetch(target, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-tributary-signature-256': sign(body, secret) },
          body,
        });
        statuses.push({ status: answer.status, body: await answer.json() });
      }
      return { status: 200, body: statuses };
    }
    return undefined;
  });
  return Object.assign(backend, { registered });
}

/** A GraphQL-over-SSE subscription: resolves once the gateway answered (the subscription is live). */
export async function sseSubscribe(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<{ status: number; next(): Promise<{ event: string; data: any }>; close(): void }> {
  const abort = new AbortController();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: JSON.stringify({ query, variables }),
    signal: abort.signal,
  });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  return {
    status: response.status,
    async next() {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = block.split('\n').filter((l) => !l.startsWith(':'));
          if (lines.length === 0) continue;
          const event =
            lines
              .find((l) => l.startsWith('event:'))
              ?.slice(6)
              .trim() ?? 'message';
          const data = lines
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trim())
            .join('\n');
          return { event, data: data ? JSON.parse(data) : undefined };
        }
        const { value, done } = await reader.read();
        if (done) throw new Error(`the event stream ended; left: ${buffer}`);
        buffer += value;
      }
    },
    close: () => abort.abort(),
  };
}

/** A graphql-ws client on the gateway's GraphQL path; `lazy: false`, so the socket opens (and is acknowledged) first. */
export async function wsClient(url: string, headers: Record<string, string> = {}): Promise<Client> {
  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    lazy: false,
    retryAttempts: 0,
    webSocketImpl: class extends WebSocket {
      constructor(address: string, protocols: string | string[]) {
        super(address, protocols, { headers });
      }
    },
  });
  await new Promise<void>((resolve, reject) => {
    const off = client.on('connected', () => {
      off();
      resolve();
    });
    client.on('error', reject);
  });
  return client;
}

/** Posts a webhook call until some listener took it (the answer's `delivered`), so a subscription whose start the client cannot see is live. */
export async function postUntilDelivered(url: string, body: string, headers: Record<string, string>): Promise<number> {
  // Bounded: up to ~10 s in 20 ms steps. A call that reached nobody delivered nothing,
  // so retrying cannot deliver an event twice.
  for (let i = 0; i < 500; i += 1) {
    const answer = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const { delivered } = (await answer.json()) as { delivered: number };
    if (answer.status !== 202) throw new Error(`webhook answered ${answer.status}`);
    if (delivered > 0) return delivered;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('no subscriber ever listened');
}
