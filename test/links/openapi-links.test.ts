// Fields made from OpenAPI `links` (OAS 3.0 §4.7.20) run on the same per-request
// DataLoader layer as @resolveTo and tributary.links: one call per distinct argument set,
// and one bulk call when the target takes the key as a list. The loader alone made one
// call per parent object (20 users over 3 teams: 21 calls).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { removeTempDir, startBackend, writeTempDir, type Backend } from '../helpers/backend.ts';
import { graphql } from '../helpers/gateway.ts';

const TEAMS = ['red', 'green', 'blue'].map((name, i) => ({ id: `t${i}`, name }));
const USERS = Array.from({ length: 20 }, (_, i) => ({ id: `u${i}`, name: `User ${i}`, teamId: `t${i % 3}` }));

const SPEC = `
openapi: 3.0.3
info: { title: People, version: '1' }
paths:
  /users:
    get:
      operationId: listUsers
      responses:
        '200':
          description: ok
          content: { application/json: { schema: { type: array, items: { $ref: '#/components/schemas/User' } } } }
          links:
            team:
              operationId: getTeam
              parameters: { teamId: '$response.body#/teamId' }
            teamsOf:
              operationId: teamsByIds
              parameters: { ids: '$response.body#/teamId' }
  /teams/{teamId}:
    get:
      operationId: getTeam
      parameters: [{ name: teamId, in: path, required: true, schema: { type: string } }]
      responses:
        '200': { description: ok, content: { application/json: { schema: { $ref: '#/components/schemas/Team' } } } }
  /teams:
    get:
      operationId: teamsByIds
      parameters: [{ name: ids, in: query, required: true, style: form, explode: false, schema: { type: array, items: { type: string } } }]
      responses:
        '200': { description: ok, content: { application/json: { schema: { type: array, items: { $ref: '#/components/schemas/Team' } } } } }
components:
  schemas:
    User: { type: object, properties: { id: { type: string }, name: { type: string }, teamId: { type: string } } }
    Team: { type: object, properties: { id: { type: string }, name: { type: string } } }
`;

let backend: Backend;
let dir: string;
let gateway: Gateway;

beforeAll(async () => {
  backend = await startBackend((_req, url) => {
    if (url.pathname === '/users') return { status: 200, body: USERS };
    const one = /^\/teams\/(\w+)$/.exec(url.pathname);
    if (one) return { status: 200, body: TEAMS.find((t) => t.id === one[1]) };
    if (url.pathname === '/teams') {
      const ids = (url.searchParams.get('ids') ?? '').split(',');
      return { status: 200, body: TEAMS.filter((t) => ids.includes(t.id)) };
    }
    return undefined;
  });
  dir = await writeTempDir({
    'people.yaml': SPEC,
    '.meshrc.yaml': `sources:\n  - name: People\n    handler:\n      openapi:\n        source: ./people.yaml\n        endpoint: ${backend.url}\n`,
  });
  gateway = await createGateway({ configFile: `${dir}/.meshrc.yaml`, logger: silentLogger });
});

afterAll(async () => {
  await gateway?.close({ graceMs: 0 });
  await backend?.close();
  await removeTempDir(dir);
});

async function run(query: string): Promise<{ data: { listUsers: Array<Record<string, unknown>> }; calls: string[] }> {
  const before = backend.calls.length;
  const answer = await graphql(gateway, query);
  expect(answer.body.errors).toBeUndefined();
  return { data: answer.body.data as never, calls: backend.calls.slice(before).map((c) => c.url) };
}

describe('an OpenAPI link', () => {
  it('to a per-key operation: one call per distinct key (20 users over 3 teams: 1 + 3 calls), right data on every user', async () => {
    const { data, calls } = await run('{ listUsers { id team { id name } } }');
    expect(calls.filter((u) => u.startsWith('/teams/')).sort()).toEqual(['/teams/t0', '/teams/t1', '/teams/t2']);
    expect(calls).toHaveLength(4);
    for (const user of data.listUsers) expect(user.team).toEqual(TEAMS.find((t) => t.id === USERS.find((u) => u.id === user.id)!.teamId));
  });

  it('to an operation taking the key as a list: one bulk call for all parents, each parent getting its own items', async () => {
    const { data, calls } = await run('{ listUsers { id teamsOf { id name } } }');
    expect(calls).toHaveLength(2);
    expect(calls[1]).toMatch(/^\/teams\?ids=/);
    expect(decodeURIComponent(calls[1].split('=')[1]).split(',').sort()).toEqual(['t0', 't1', 't2']);
    for (const user of data.listUsers) expect(user.teamsOf).toEqual([TEAMS.find((t) => t.id === USERS.find((u) => u.id === user.id)!.teamId)]);
  });

  it('used twice in one request under aliases: still de-duplicated across both', async () => {
    const { calls } = await run('{ a: listUsers { team { id } } b: listUsers { team { name } } }');
    expect(calls.filter((u) => u.startsWith('/teams/'))).toHaveLength(3);
  });
});
