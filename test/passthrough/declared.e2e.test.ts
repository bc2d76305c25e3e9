// The passthrough forwards only what the served schema declares, over real sockets: a
// gateway server hosting createPassthrough with a schema carrying Mesh's
// `@httpOperation` annotations (as the OpenAPI loader writes them), the real upstream
// client (wrapped only to record the `operation` label it is handed) and a recording
// service. Also here: the forwarding fields from trusted and untrusted peers, through
// the real passthrough policy, and `Location` rewriting.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { buildSchema } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PassthroughSettings, UpstreamSettings } from '../../src/config/schema.ts';
import { createLogger } from '../../src/observability/log.ts';
import { createPassthrough, type Passthrough } from '../../src/passthrough/route.ts';
import { createClientAddressResolver, useClientAddress } from '../../src/policies/client-address.ts';
import { createUpstreamClient } from '../../src/upstream/client.ts';
import type { UpstreamClient } from '../../src/upstream/types.ts';
import { startBackend, type Backend } from './fixtures/backend.ts';
import { rawRequest, type RawResponse } from './fixtures/raw-http.ts';

/** What the OpenAPI loader writes for each operation; arguments as Mesh serialises them. */
const SDL = /* GraphQL */ `
  directive @httpOperation(subgraph: String, path: String, httpMethod: String, queryParamArgMap: String, operationSpecificHeaders: String) on FIELD_DEFINITION
  type Query {
    listItems: String @httpOperation(subgraph: "shop", path: "/items", httpMethod: "GET")
    itemById(id: ID): String @httpOperation(subgraph: "shop", path: "/items/{args.id}", httpMethod: "GET")
    me: String @httpOperation(subgraph: "shop", path: "/items/me", httpMethod: "GET")
    report(format: String): String @httpOperation(subgraph: "shop", path: "/reports/report.{args.format}", httpMethod: "GET")
    root: String @httpOperation(subgraph: "shop", path: "/", httpMethod: "GET")
    describe: String @httpOperation(subgraph: "aws", path: "/?Action=Describe", httpMethod: "GET", queryParamArgMap: "{\\"Action\\":\\"Action\\"}")
    acl(bucket: String): String @httpOperation(subgraph: "aws", path: "/{args.bucket}?acl", httpMethod: "GET")
    openItem(id: ID): String @httpOperation(subgraph: "open", path: "/items/{args.id}", httpMethod: "GET")
  }
  type Mutation {
    createItem: String @httpOperation(subgraph: "shop", path: "/items", httpMethod: "POST")
    untag(arn: String): String
      @httpOperation(subgraph: "aws", path: "/tags/{args.arn}#tagKeys", httpMethod: "DELETE", queryParamArgMap: "{\\"tagKeys\\":\\"tagKeys\\"}")
    listThings: String
      @httpOperation(
        subgraph: "aws"
        path: "/#X-Amz-Target=Svc.ListThings"
        httpMethod: "POST"
        operationSpecificHeaders: "{\\"X-Amz-Target\\":\\"{args.X_Amz_Target}\\"}"
      )
    getThing: String
      @httpOperation(
        subgraph: "aws"
        path: "/#X-Amz-Target=Svc.GetThing"
        httpMethod: "POST"
        operationSpecificHeaders: "{\\"X-Amz-Target\\":\\"{args.X_Amz_Target}\\"}"
      )
    putObject(Bucket: String, Key: String): String
      @httpOperation(subgraph: "aws", path: "/{args.Bucket}/{args.Key}#x-id=PutObject", httpMethod: "PUT", queryParamArgMap: "{\\"x-id\\":\\"x_id\\"}")
  }
`;

let service: Backend;
let upstream: UpstreamClient;
/** The `operation` of every upstream call, in order. */
const labels: Array<string | undefined> = [];
const logLines: Array<Record<string, unknown>> = [];
const servers: http.Server[] = [];
/** Plain passthrough (no policies) and two with the real policy: nobody trusted, and 127.0.0.1 trusted. */
const ports = { plain: 0, untrusting: 0, trusting: 0 };

beforeAll(async () => {
  service = await startBackend();
  const settings = UpstreamSettings.parse({ retries: 0 });
  const real = createUpstreamClient({
    sources: ['shop', 'aws', 'open'].map((name) => ({ name, endpoint: `http://127.0.0.1:${service.port}/api/${name}`, settings })),
  });
  upstream = {
    ...real,
    stream: (source, request) => {
      labels.push(request.operation);
      return real.stream(source, request);
    },
    close: () => real.close(),
  };
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logLines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
        callback();
      },
    }),
  });
  const make = (judges?: Parameters<typeof createPassthrough>[0]['judges']): Passthrough =>
    createPassthrough({
      settings: PassthroughSettings.parse({ forwardHeaders: [...PassthroughSettings.parse({}).forwardHeaders, 'x-amz-target'] }),
      sources: [
        { name: 'shop', passthrough: true, endpoint: `http://127.0.0.1:${service.port}/api/shop` },
        { name: 'aws', passthrough: true, endpoint: `http://127.0.0.1:${service.port}/api/aws` },
        { name: 'open', passthrough: true, mode: 'any', endpoint: `http://127.0.0.1:${service.port}/api/open` },
      ],
      upstream,
      logger,
      schema: buildSchema(SDL),
      judges,
    });
  const policy = (trusted: string[]) => [useClientAddress(createClientAddressResolver(trusted)).passthrough!];
  for (const [name, passthrough] of [
    ['plain', make()],
    ['untrusting', make(policy([]))],
    ['trusting', make(policy(['127.0.0.1']))],
  ] as const) {
    const server = http.createServer((req, res) => void passthrough.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    ports[name] = (server.address() as AddressInfo).port;
  }
});

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  await upstream.close();
  await service.close();
});

beforeEach(() => {
  service.requests.length = 0;
  labels.length = 0;
  logLines.length = 0;
});

type Expected =
  /** Forwarded: the exact target the service received and the operation label the upstream client got. */
  | { readonly forwardedAs: string; readonly operation: string | undefined }
  /** Refused before any upstream call. */
  | { readonly status: number; readonly code: string; readonly allow?: string };

interface Case {
  readonly method: string;
  readonly target: string;
  readonly headers?: Record<string, string>;
  readonly expected: Expected;
}

const notDeclared = { status: 404, code: 'PASSTHROUGH_NOT_DECLARED' } as const;
const badPath = { status: 400, code: 'PASSTHROUGH_BAD_PATH' } as const;

const cases: readonly Case[] = [
  // ---- declared operations pass, each with its label ----
  { method: 'GET', target: '/rest/shop/items', expected: { forwardedAs: '/api/shop/items', operation: 'GET /items' } },
  { method: 'POST', target: '/rest/shop/items', expected: { forwardedAs: '/api/shop/items', operation: 'POST /items' } },
  { method: 'GET', target: '/rest/shop/items/42', expected: { forwardedAs: '/api/shop/items/42', operation: 'GET /items/{id}' } },
  { method: 'GET', target: '/rest/shop/items/42?expand=all', expected: { forwardedAs: '/api/shop/items/42?expand=all', operation: 'GET /items/{id}' } },
  { method: 'GET', target: '/rest/shop/items/a%20b', expected: { forwardedAs: '/api/shop/items/a%20b', operation: 'GET /items/{id}' } },
  // A concrete path wins over a templated one (OpenAPI "Path Templating Matching").
  { method: 'GET', target: '/rest/shop/items/me', expected: { forwardedAs: '/api/shop/items/me', operation: 'GET /items/me' } },
  // Unreserved characters compare decoded (RFC 3986 §6.2.2.2), like the path check writes them.
  { method: 'GET', target: '/rest/shop/%69tems', expected: { forwardedAs: '/api/shop/items', operation: 'GET /items' } },
  {
    method: 'GET',
    target: '/rest/shop/reports/report.csv',
    expected: { forwardedAs: '/api/shop/reports/report.csv', operation: 'GET /reports/report.{format}' },
  },
  { method: 'GET', target: '/rest/shop', expected: { forwardedAs: '/api/shop/', operation: 'GET /' } },
  // ---- HEAD where GET is declared; OPTIONS on declared paths ----
  { method: 'HEAD', target: '/rest/shop/items/42', expected: { forwardedAs: '/api/shop/items/42', operation: 'GET /items/{id}' } },
  { method: 'OPTIONS', target: '/rest/shop/items/42', expected: { forwardedAs: '/api/shop/items/42', operation: 'OPTIONS /items/{id}' } },
  {
    method: 'OPTIONS',
    target: '/rest/shop/items',
    headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    expected: { forwardedAs: '/api/shop/items', operation: 'OPTIONS /items' },
  },
  {
    method: 'OPTIONS',
    target: '/rest/shop/items/42',
    headers: { origin: 'https://app.example', 'access-control-request-method': 'DELETE' },
    expected: { status: 405, code: 'PASSTHROUGH_METHOD_NOT_ALLOWED', allow: 'GET, HEAD, OPTIONS' },
  },
  { method: 'OPTIONS', target: '/rest/shop/admin', expected: notDeclared },
  // ---- undeclared paths: 404 and no upstream call ----
  { method: 'GET', target: '/rest/shop/admin', expected: notDeclared },
  { method: 'GET', target: '/rest/shop/ITEMS', expected: notDeclared },
  { method: 'GET', target: '/rest/shop/items/42/secrets', expected: notDeclared },
  { method: 'POST', target: '/rest/shop/admin/users', expected: notDeclared },
  // A trailing slash is its own (empty) segment, and `{param}` never matches an empty one.
  { method: 'GET', target: '/rest/shop/items/', expected: notDeclared },
  { method: 'GET', target: '/rest/shop/items//42', expected: notDeclared },
  { method: 'GET', target: '/rest/shop/reports/report.', expected: notDeclared },
  // ---- an undeclared method on a declared path: 405 with what the path declares ----
  { method: 'DELETE', target: '/rest/shop/items/42', expected: { status: 405, code: 'PASSTHROUGH_METHOD_NOT_ALLOWED', allow: 'GET, HEAD, OPTIONS' } },
  { method: 'PUT', target: '/rest/shop/items', expected: { status: 405, code: 'PASSTHROUGH_METHOD_NOT_ALLOWED', allow: 'GET, POST, HEAD, OPTIONS' } },
  // ---- the path checks still come first ----
  { method: 'GET', target: '/rest/shop/items/4%2F2', expected: badPath },
  { method: 'GET', target: '/rest/shop/items/%2e%2e', expected: badPath },
  { method: 'GET', target: '/rest/shop/../aws/?Action=Describe', expected: badPath },
  { method: 'GET', target: '/rest/shop//items', expected: badPath },
  { method: 'GET', target: '/rest/open/%2e%2e/shop/items', expected: badPath },
  // ---- AWS-style keys: the query or fragment part pins a parameter ----
  { method: 'GET', target: '/rest/aws/?Action=Describe', expected: { forwardedAs: '/api/aws/?Action=Describe', operation: 'GET /?Action=Describe' } },
  {
    method: 'GET',
    target: '/rest/aws/?Version=2&Action=Describe',
    expected: { forwardedAs: '/api/aws/?Version=2&Action=Describe', operation: 'GET /?Action=Describe' },
  },
  { method: 'GET', target: '/rest/aws/?Action=Terminate', expected: notDeclared },
  { method: 'GET', target: '/rest/aws/?Action=Describe&Action=Terminate', expected: notDeclared },
  { method: 'GET', target: '/rest/aws/', expected: notDeclared },
  { method: 'GET', target: '/rest/aws/photos?acl', expected: { forwardedAs: '/api/aws/photos?acl', operation: 'GET /{bucket}?acl' } },
  { method: 'GET', target: '/rest/aws/photos', expected: notDeclared },
  {
    method: 'DELETE',
    target: '/rest/aws/tags/arn1?tagKeys=a',
    expected: { forwardedAs: '/api/aws/tags/arn1?tagKeys=a', operation: 'DELETE /tags/{arn}#tagKeys' },
  },
  { method: 'DELETE', target: '/rest/aws/tags/arn1', expected: notDeclared },
  {
    method: 'PUT',
    target: '/rest/aws/photos/cat.png?x-id=PutObject',
    expected: { forwardedAs: '/api/aws/photos/cat.png?x-id=PutObject', operation: 'PUT /{Bucket}/{Key}#x-id=PutObject' },
  },
  { method: 'PUT', target: '/rest/aws/photos/cat.png', expected: notDeclared },
  { method: 'PATCH', target: '/rest/aws/photos/cat.png', expected: { status: 405, code: 'PASSTHROUGH_METHOD_NOT_ALLOWED', allow: 'PUT, OPTIONS' } },
  {
    method: 'POST',
    target: '/rest/aws/',
    headers: { 'x-amz-target': 'Svc.ListThings' },
    expected: { forwardedAs: '/api/aws/', operation: 'POST /#X-Amz-Target=Svc.ListThings' },
  },
  {
    method: 'POST',
    target: '/rest/aws/',
    headers: { 'x-amz-target': 'Svc.GetThing' },
    expected: { forwardedAs: '/api/aws/', operation: 'POST /#X-Amz-Target=Svc.GetThing' },
  },
  // An operation the schema does not hold (say, one filterSchema removed) stays out, though its path is shared.
  { method: 'POST', target: '/rest/aws/', headers: { 'x-amz-target': 'Svc.DeleteThing' }, expected: notDeclared },
  { method: 'POST', target: '/rest/aws/', expected: notDeclared },
  // ---- `mode: any` forwards everything, still labelling what it recognises ----
  { method: 'GET', target: '/rest/open/anything/at/all', expected: { forwardedAs: '/api/open/anything/at/all', operation: undefined } },
  { method: 'DELETE', target: '/rest/open/items/7', expected: { forwardedAs: '/api/open/items/7', operation: undefined } },
  { method: 'GET', target: '/rest/open/items/7', expected: { forwardedAs: '/api/open/items/7', operation: 'GET /items/{id}' } },
];

describe('passthrough: only declared operations are forwarded', () => {
  it.each(cases.map((c) => [`${c.method} ${c.target}${c.headers ? ` ${JSON.stringify(c.headers)}` : ''}`, c] as const))(
    '%s',
    async (_name, { method, target, headers, expected }) => {
      const response = await rawRequest(ports.plain, { method, target, headers, body: method === 'POST' || method === 'PUT' ? '{}' : undefined });
      if ('forwardedAs' in expected) {
        expect(response.status).toBe(200);
        expect(service.requests.map((r) => `${r.method} ${r.url}`)).toEqual([`${method} ${expected.forwardedAs}`]);
        expect(labels).toEqual([expected.operation]);
      } else {
        expect(response.status).toBe(expected.status);
        expect(json(response).error.code).toBe(expected.code);
        if (expected.allow !== undefined) expect(response.headers.allow).toEqual([expected.allow]);
        expect(service.requests).toEqual([]);
        expect(labels).toEqual([]);
      }
    },
  );

  it('names the declared operation in its log line', async () => {
    await rawRequest(ports.plain, { target: '/rest/shop/items/9' });
    expect(logLines.find((l) => l.msg === 'passthrough call')).toMatchObject({ source: 'shop', operation: 'GET /items/{id}', status: 200 });
  });
});

describe('passthrough: forwarding fields', () => {
  const claims = { host: 'public.example', 'x-forwarded-host': 'shop.example', 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' };
  const table = [
    // No policy: nobody is known to be trusted, so host and scheme are the gateway's own view.
    { name: 'no policy', gateway: 'plain', headers: claims, seen: { for: '203.0.113.9, 127.0.0.1', host: 'own', proto: 'http' } },
    { name: 'untrusted peer', gateway: 'untrusting', headers: claims, seen: { for: '127.0.0.1', host: 'own', proto: 'http' } },
    { name: 'trusted peer', gateway: 'trusting', headers: claims, seen: { for: '203.0.113.9, 127.0.0.1', host: 'shop.example', proto: 'https' } },
    {
      name: 'trusted peer, no X-Forwarded-Host',
      gateway: 'trusting',
      headers: { host: 'public.example' },
      seen: { for: '127.0.0.1', host: 'public.example', proto: 'http' },
    },
    // A proxy that appends: the entry it wrote is the last one.
    {
      name: 'trusted peer that appends',
      gateway: 'trusting',
      headers: { host: 'public.example', 'x-forwarded-host': 'evil.example, shop.example', 'x-forwarded-proto': 'http, https' },
      seen: { for: '127.0.0.1', host: 'shop.example', proto: 'https' },
    },
    {
      name: 'trusted peer, bogus proto',
      gateway: 'trusting',
      headers: { host: 'public.example', 'x-forwarded-proto': 'javascript' },
      seen: { for: '127.0.0.1', host: 'public.example', proto: 'http' },
    },
  ] as const;

  it.each(table)('$name', async ({ gateway, headers, seen }) => {
    const port = ports[gateway];
    const response = await rawRequest(port, { target: '/rest/shop/items', headers });
    expect(response.status).toBe(200);
    expect(service.requests).toHaveLength(1);
    const sent = service.requests[0]!.headers;
    // Each field once: a single value, not a list the gateway built twice.
    expect(sent['x-forwarded-for']).toBe(seen.for);
    expect(sent['x-forwarded-host']).toBe(seen.host === 'own' ? `127.0.0.1:${port}` : seen.host);
    expect(sent['x-forwarded-proto']).toBe(seen.proto);
  });
});

describe('passthrough: Location and Content-Location', () => {
  const base = () => `http://127.0.0.1:${service.port}`;
  const table: ReadonlyArray<readonly [name: string, location: () => string, shown: string | undefined]> = [
    ['absolute, inside the base', () => `${base()}/api/shop/items/7`, '/rest/shop/items/7'],
    ['absolute, the base itself', () => `${base()}/api/shop`, '/rest/shop/'],
    ['absolute, with query and fragment', () => `${base()}/api/shop/items/7?x=1#top`, '/rest/shop/items/7?x=1#top'],
    ['absolute-path reference', () => '/api/shop/items/7', '/rest/shop/items/7'],
    ['relative reference', () => 'items/7', '/rest/shop/items/7'],
    ['relative, one level', () => '7', '/rest/shop/7'],
    ['encoded characters kept', () => '/api/shop/a%20b', '/rest/shop/a%20b'],
    ['dot-segments out of the base', () => '../secret', undefined],
    ['another path on the host', () => '/secret', undefined],
    ['a sibling that shares the prefix', () => '/api/shopping/x', undefined],
    ['another source on the same host', () => `${base()}/api/aws/x`, undefined],
    ['another host', () => 'http://evil.example/api/shop/items', undefined],
    ['network-path reference', () => '//evil.example/x', undefined],
    ['another scheme', () => `https://127.0.0.1:${service.port}/api/shop/items`, undefined],
    ['another port', () => `http://127.0.0.1:1/api/shop/items`, undefined],
    ['credentials', () => `http://user:pw@127.0.0.1:${service.port}/api/shop/items`, undefined],
    ['not a URL', () => 'http://[::1', undefined],
  ];

  it.each(table)('%s', async (_name, location, shown) => {
    const value = location();
    for (const field of ['location', 'content-location']) {
      logLines.length = 0;
      const response = await rawRequest(ports.plain, {
        method: 'POST',
        target: `/rest/shop/items?status=201&${field}=${encodeURIComponent(value)}`,
        body: '{}',
      });
      expect(response.status).toBe(201);
      if (shown === undefined) {
        expect(response.headers, field).not.toHaveProperty(field);
        expect(logLines.find((l) => l.msg === 'upstream location outside the source removed')).toMatchObject({ level: 20, source: 'shop', field });
      } else {
        expect(response.headers[field], field).toEqual([shown]);
      }
      expect(response.raw.toString('latin1')).not.toContain(`127.0.0.1:${service.port}`);
    }
  });
});

function json(response: RawResponse): { error: { code: string; message: string } } {
  expect(response.headers['content-type']?.[0]).toMatch(/^application\/json/);
  return JSON.parse(response.body.toString('utf8')) as { error: { code: string; message: string } };
}
