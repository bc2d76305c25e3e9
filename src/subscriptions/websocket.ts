// GraphQL over WebSocket (the graphql-transport-ws protocol of graphql-ws) on the GraphQL
// path, beside GraphQL over SSE, which Yoga serves itself.
//
// Every operation a socket subscribes is run as a GraphQL-over-SSE request through the
// gateway's own Yoga (`run`, i.e. yoga.fetch), carrying the headers of the socket's
// upgrade request, and its events are relayed as `next` messages. Yoga's documented
// recipe, `yoga.getEnveloped()` in `onSubscribe`, starts at the envelop layer: it skips
// Yoga's `onRequest` and `onRequestParse` hooks, where Tributary's client-address, auth,
// rate-limit and CSRF policies are (http/, policies/), so a socket would run what an HTTP
// request is refused. Through `run` a socket gets exactly what the same request over HTTP
// gets, refusals included: a refused operation is an `error` message with the codes
// the HTTP answer has.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, parse, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from '../observability/log.ts';

export interface GraphqlWsOptions {
  /** The GraphQL path (tributary.server.graphqlPath): the only path a socket may open on. */
  readonly path: string;
  /** One request through Yoga's whole pipeline (yoga.fetch), with the node request as server context. */
  readonly run: (request: Request, serverContext: { req: IncomingMessage }) => Promise<Response>;
  readonly schema: () => GraphQLSchema;
  readonly logger: Logger;
}

export interface GraphqlWs {
  /** Closes every socket (close code 1001, going away) and stops accepting new ones. */
  close(): Promise<void>;
}

/** Upgrade-request fields that describe the socket, not the GraphQL request. */
const SOCKET_FIELDS = new Set(['connection', 'upgrade', 'host', 'content-length', 'transfer-encoding', 'keep-alive']);

interface Relayed {
  readonly response: Response;
  readonly abort: AbortController;
}

export function serveGraphqlWs(server: Server, options: GraphqlWsOptions): GraphqlWs {
  const wss = new WebSocketServer({ noServer: true });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const pathname = new URL(req.url ?? '/', 'http://gateway.invalid').pathname;
    if (pathname !== options.path) return void socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  server.on('upgrade', onUpgrade);
  // Per socket and operation id: what stops the relayed request when the client completes or leaves.
  const running = new WeakMap<object, Map<string, AbortController>>();
  const stop = (ctx: object, id?: string) => {
    const ops = running.get(ctx);
    for (const [key, abort] of ops ?? []) if (id === undefined || id === key) abort.abort();
    if (id === undefined) running.delete(ctx);
    else ops?.delete(id);
  };

  const disposable = useServer<Record<string, unknown>, { request: IncomingMessage }>(
    {
      async onSubscribe(ctx, id, payload) {
        const req = ctx.extra.request;
        const headers = new Headers();
        for (const [name, value] of Object.entries(req.headers))
          if (!SOCKET_FIELDS.has(name) && !name.startsWith('sec-websocket-') && value !== undefined)
            headers.set(name, Array.isArray(value) ? value.join(', ') : value);
        headers.set('content-type', 'application/json');
        headers.set('accept', 'text/event-stream');
        const abort = new AbortController();
        let ops = running.get(ctx);
        if (!ops) running.set(ctx, (ops = new Map()));
        ops.set(id, abort);
        const url = new URL(options.path, `http://${req.headers.host ?? 'localhost'}`);
        const response = await options.run(new Request(url, { method: 'POST', headers, body: JSON.stringify(payload), signal: abort.signal }), { req });
        if (!response.headers.get('content-type')?.startsWith('text/event-stream')) {
          stop(ctx, id);
          return refusal(await response.text(), response.status);
        }
        let document;
        try {
          document = parse(payload.query);
        } catch (error) {
          abort.abort();
          return [error as GraphQLError];
        }
        // graphql-ws picks execute or subscribe by the document's operation; both relay.
        return { schema: options.schema(), document, operationName: payload.operationName, rootValue: { response, abort } satisfies Relayed };
      },
      execute: (args) => relay(args.rootValue as Relayed),
      subscribe: (args) => relay(args.rootValue as Relayed),
      onComplete: (ctx, id) => stop(ctx, id),
      onClose: (ctx) => stop(ctx),
    },
    wss,
  );
  return {
    async close() {
      server.off('upgrade', onUpgrade);
      for (const ws of wss.clients) ws.close(1001, 'Going away');
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** The errors of a refused request (its JSON answer), as graphql-ws's `error` message carries them. */
function refusal(text: string, status: number): GraphQLError[] {
  try {
    const body = JSON.parse(text) as { errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
    if (body.errors?.length) return body.errors.map((e) => new GraphQLError(e.message, { extensions: e.extensions }));
  } catch {
    // Not JSON: fall through to the status alone.
  }
  return [new GraphQLError(`The request was refused (${status}).`, { extensions: { http: { status } } })];
}

/**
 * The results of a GraphQL-over-SSE answer (the "distinct connections" mode of the
 * GraphQL over SSE protocol: `event: next` with a result as `data`, `event: complete`).
 */
async function* relay({ response, abort }: Relayed): AsyncGenerator<ExecutionResult> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end: number;
      while ((end = buffer.search(/\r?\n\r?\n/)) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
        const fields = parseEvent(block);
        if (fields.event === 'complete') return;
        if (fields.data) yield JSON.parse(fields.data) as ExecutionResult;
      }
    }
  } finally {
    abort.abort();
    reader.cancel().catch(() => undefined);
  }
}

/** One SSE event block (WHATWG HTML §9.2.6): its `event` and its `data` lines joined. */
function parseEvent(block: string): { event?: string; data?: string } {
  let event: string | undefined;
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const name = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (name === 'event') event = value;
    else if (name === 'data') data.push(value);
  }
  return { event, data: data.length ? data.join('\n') : undefined };
}
