// The hand-written GraphQL server peer: what a careful team writes by hand for the
// scenario's schema instead of a gateway — graphql-yoga over node:http, the scenario's
// own SDL and resolvers (HandWrittenGraphQL), the resolvers calling the backend through
// one keep-alive undici Pool per service, DataLoaders made per request for the links,
// and every operation compiled once by graphql-jit (`useGraphQlJit`, envelop's plugin).
// Yoga's parse and validation caches are on by default. No gateway features: no
// policies, no config, no schema from OpenAPI.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { createSchema, createYoga } from 'graphql-yoga';
import { Pool } from 'undici';
import type { GetJson, HandWrittenGraphQL } from '../scenarios/types.ts';

export interface RunningYogaJit {
  server: Server;
  port: number;
  /** POST a GraphQL request here. */
  url: string;
  close(): Promise<void>;
}

export async function startYogaJit(spec: HandWrittenGraphQL, services: Record<string, string>, port = 0, host = '127.0.0.1'): Promise<RunningYogaJit> {
  const pools = new Map(Object.entries(services).map(([name, url]) => [name, new Pool(url, { connections: 64 })]));
  const get: GetJson = async (service, path) => {
    const pool = pools.get(service);
    if (!pool) throw new Error(`no service "${service}"`);
    const { statusCode, body } = await pool.request({ method: 'GET', path });
    const text = await body.text();
    if (statusCode !== 200) throw new Error(`${service} ${path} answered ${statusCode}`);
    return JSON.parse(text);
  };
  const yoga = createYoga({
    schema: createSchema({ typeDefs: spec.typeDefs, resolvers: spec.resolvers as any }),
    plugins: [useGraphQlJit()],
    context: () => ({ get, ...spec.context?.(get) }),
    graphiql: false,
    landingPage: false,
    logging: false,
  });
  const server = createServer(yoga);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    server,
    port: actual,
    url: `http://${host}:${actual}${yoga.graphqlEndpoint}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...pools.values()].map((p) => p.close()));
    },
  };
}
