// The hand-written BFF host: plain node:http and one keep-alive undici Pool per
// service, nothing else. It answers every POST with the scenario's hand-written
// resolver (scenario.bff) — the yardstick a gateway is compared with: the same upstream
// calls, the same `data`, none of a GraphQL engine's generality.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import type { GetJson, Scenario } from '../scenarios/types.ts';

export interface RunningBff {
  server: Server;
  port: number;
  close(): Promise<void>;
}

export async function startBff(
  scenario: Pick<Scenario, 'bff'> & { variables?: unknown },
  services: Record<string, string>,
  port = 0,
  host = '127.0.0.1',
): Promise<RunningBff> {
  const pools = new Map(Object.entries(services).map(([name, url]) => [name, new Pool(url, { connections: 64 })]));
  const get: GetJson = async (service, path) => {
    const pool = pools.get(service);
    if (!pool) throw new Error(`BFF: no service "${service}"`);
    const { statusCode, body } = await pool.request({ method: 'GET', path });
    const text = await body.text();
    if (statusCode !== 200) throw new Error(`BFF: ${service} ${path} answered ${statusCode}`);
    return JSON.parse(text);
  };
  // A query with variables: the BFF reads them from the request, as an endpoint reads its
  // parameters. Without: the body is the query this BFF was written for; it is drained.
  const readsVariables = scenario.variables !== undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    if (readsVariables) req.on('data', (chunk: Buffer) => chunks.push(chunk));
    else req.resume();
    req.once('end', () => {
      let variables: Record<string, unknown> | undefined;
      if (readsVariables) {
        try {
          variables = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { variables?: Record<string, unknown> }).variables;
        } catch {
          variables = undefined;
        }
      }
      scenario.bff(get, variables).then(
        (data) => {
          const payload = JSON.stringify({ data });
          res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload) });
          res.end(payload);
        },
        (error: unknown) => {
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ errors: [{ message: String((error as Error).message) }] }));
        },
      );
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...pools.values()].map((p) => p.close()));
    },
  };
}
