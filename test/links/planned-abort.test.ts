// A client that leaves while a planned operation's link batch is out: the upstream calls
// are aborted with its request, and the execution ends there with one error — not one
// error per parent object, each masked and logged (200 parents made 200 log lines, and
// at 5,000 items the cancelled query cost several times a completed one). Both kinds of
// batch: a bulk call that fails as a whole, and per-key calls that each fail on their own
// (their batch resolves, with an error per key).
import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { createLogger } from '../../src/observability/log.ts';
import { removeTempDir, startBackend, writeTempDir, type Backend } from '../helpers/backend.ts';

const TICKETS = Array.from({ length: 200 }, (_, i) => ({ id: i, assigneeId: i % 20 }));

let backend: Backend;
let dir: string;
let gateway: Gateway;
let url: string;
const lines: Array<Record<string, unknown>> = [];
let onLine: (line: Record<string, unknown>) => void = () => undefined;
let usersAsked: () => void = () => undefined;

beforeAll(async () => {
  backend = await startBackend(async (req, u) => {
    if (u.pathname === '/tickets') return { status: 200, body: TICKETS };
    if (u.pathname.startsWith('/users')) {
      usersAsked();
      // Held until the gateway gives up on it (the client's abort reaches the call).
      await new Promise<void>((resolve) => req.socket.once('close', () => resolve()));
      return undefined;
    }
    return undefined;
  });
  const spec = (paths: string) => `openapi: 3.0.3\ninfo: { title: T, version: '1' }\nservers: [{ url: '${backend.url}' }]\npaths:\n${paths}`;
  dir = await writeTempDir({
    't.yaml': spec(`  /tickets:
    get:
      operationId: tickets
      responses: { '200': { description: ok, content: { application/json: { schema: { type: array, items: { type: object, properties: { id: { type: integer }, assigneeId: { type: integer } } } } } } } }
`),
    'u.yaml': spec(`  /users:
    get:
      operationId: users
      parameters: [{ name: id, in: query, required: true, schema: { type: array, items: { type: integer } } }]
      responses: { '200': { description: ok, content: { application/json: { schema: { type: array, items: { type: object, properties: { id: { type: integer } } } } } } } }
  /users/{id}:
    get:
      operationId: user
      parameters: [{ name: id, in: path, required: true, schema: { type: integer } }]
      responses: { '200': { description: ok, content: { application/json: { schema: { type: object, properties: { id: { type: integer } } } } } } }
`),
    '.meshrc.yaml': `sources:
  - name: Tickets
    handler: { openapi: { source: ./t.yaml } }
  - name: Users
    handler: { openapi: { source: ./u.yaml } }
tributary:
  links:
    - { field: query_tickets_items.assignee, target: Query.users, key: assigneeId, keysArg: id, valueKey: id }
    - { field: query_tickets_items.reporter, target: Query.user, key: assigneeId, arg: id }
`,
  });
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n').filter(Boolean)) {
        const line = JSON.parse(text) as Record<string, unknown>;
        lines.push(line);
        onLine(line);
      }
      done();
    },
  });
  gateway = await createGateway({ configFile: `${dir}/.meshrc.yaml`, logger: createLogger({ level: 'debug', destination }) });
  url = (await gateway.listen({ port: 0, host: '127.0.0.1' })).url.replace('localhost', '127.0.0.1');
});

afterAll(async () => {
  await gateway?.close();
  await backend?.close();
  if (dir) await removeTempDir(dir);
});

it.each([
  { batch: 'a bulk call', query: '{ tickets { id assignee { id } } }' },
  { batch: 'per-key calls', query: '{ tickets { id reporter { id } } }' },
])('a client that leaves while $batch are out ends the planned execution with one error, not one per parent', async ({ query }) => {
  lines.length = 0;
  const finished = new Promise<void>((resolve) => (onLine = (line) => line.msg === 'request' && resolve()));
  const usersRequested = new Promise<void>((resolve) => (usersAsked = resolve));
  const client = new AbortController();
  const answer = fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
    signal: client.signal,
  }).catch((error: unknown) => error);
  await usersRequested;
  client.abort();
  expect(await answer).toBeInstanceOf(Error);
  await finished;
  const executor = lines.find((l) => l.component === 'executor');
  expect(executor?.executor).toBe('planned');
  const aborted = lines.filter((l) => l.msg === 'request aborted by the client' || l.msg === 'unexpected error while executing a request');
  expect(aborted).toHaveLength(1);
});
