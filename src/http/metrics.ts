// Where the Prometheus text is served (tributary.observability.metrics): by default GET
// `path` on the gateway's own port, answered in onRequest before any policy (like
// /healthz: a scraper sends no CSRF header and must not be rate limited); with `port`,
// on a server of its own instead, so the gateway port need not expose it at all. With
// `requireAuth`, /graphql's credentials are required wherever it is served.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import type { MetricsSettings } from '../config/observability.ts';
import { httpError, TributaryError } from '../errors.ts';
import { acquireMetrics, type CircuitsView, type Metrics } from '../observability/metrics.ts';
import { useGraphqlMetrics } from './graphql-metrics.ts';

/** Checks a request's credentials (policies/auth credentialsGate); the refusal, or none. */
export type Gate = (header: (name: string) => string | null | undefined) => Promise<TributaryError | undefined>;

export interface MetricsEndpoint {
  /** Yoga plugins, in one place in the plugin list: request accounting, and the route unless on its own port. */
  readonly plugins: readonly Plugin[];
  /** The generation being served, read at scrape time by the circuit gauges. */
  watch(view: () => CircuitsView | undefined): void;
  passthroughStarted(res: ServerResponse): void;
  /** Starts the metrics port when one is configured (once; later calls do nothing). */
  listen(): Promise<void>;
  close(): Promise<void>;
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const PLAIN = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' };

/** The answer to GET or HEAD of the metrics path. */
async function answer(metrics: Metrics, method: string, header: (name: string) => string | null | undefined, gate: Gate | undefined): Promise<Answer> {
  const refusal = gate ? await gate(header) : undefined;
  if (refusal) return httpError(refusal, 'rest');
  return { status: 200, headers: { 'content-type': metrics.contentType, 'cache-control': 'no-store' }, body: method === 'HEAD' ? '' : await metrics.render() };
}

function useMetricsRoute(metrics: Metrics, path: string, gate: Gate | undefined): Plugin {
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      // Other methods fall through to Yoga, which answers them as for any path it does not serve.
      if (url.pathname !== path || (request.method !== 'GET' && request.method !== 'HEAD')) return;
      const { status, headers, body } = await answer(metrics, request.method, (name) => request.headers.get(name), gate);
      endResponse(new fetchAPI.Response(body || null, { status, headers }));
    },
  };
}

function metricsServer(metrics: Metrics, path: string, gate: Gate | undefined): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://metrics');
    const method = req.method ?? 'GET';
    let reply: Promise<Answer>;
    if (url.pathname !== path) reply = Promise.resolve({ status: 404, headers: PLAIN, body: `Not found: only ${path} is served on this port.\n` });
    else if (method !== 'GET' && method !== 'HEAD') reply = Promise.resolve({ status: 405, headers: { ...PLAIN, allow: 'GET, HEAD' }, body: 'Use GET.\n' });
    else reply = answer(metrics, method, (name) => [req.headers[name] ?? []].flat().join(', ') || null, gate);
    reply.then(({ status, headers, body }) => res.writeHead(status, headers).end(body)).catch(() => res.writeHead(500).end());
  });
}

/**
 * The metrics of one gateway, decided by its first config (like the access log): none
 * when disabled — no plugin, no subscription, no work per request. Asking for
 * credentials without an auth policy to check them is a config error, not an open route.
 */
export function metricsEndpoint(settings: MetricsSettings, options: { graphqlPath: string; credentials?: Gate }): MetricsEndpoint | undefined {
  if (!settings.enabled) return undefined;
  if (settings.requireAuth && !options.credentials) {
    throw new TributaryError(
      'CONFIG_INVALID',
      'tributary.observability.metrics.requireAuth: no credentials to require; configure tributary.policies.auth (jwt or apiKeys).',
    );
  }
  const gate = settings.requireAuth ? options.credentials : undefined;
  const metrics = acquireMetrics();
  let server: Server | undefined;
  return {
    plugins: [useGraphqlMetrics(metrics, options.graphqlPath), ...(settings.port === undefined ? [useMetricsRoute(metrics, settings.path, gate)] : [])],
    watch: (view) => void metrics.watch(view),
    passthroughStarted: (res) => metrics.passthroughStarted(res),
    async listen() {
      if (settings.port === undefined || server) return;
      const own = (server = metricsServer(metrics, settings.path, gate));
      await new Promise<void>((resolve, reject) => {
        own.once('error', reject);
        own.listen(settings.port, settings.host, () => {
          own.off('error', reject);
          resolve();
        });
      });
    },
    async close() {
      metrics.release();
      if (!server) return;
      const own = server;
      await new Promise<void>((resolve) => {
        own.close(() => resolve());
        own.closeAllConnections();
      });
    },
  };
}
