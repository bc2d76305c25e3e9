// GraphQL-over-HTTP conformance: graphql-http's server audits (each a numbered MUST,
// SHOULD or MAY of the spec) against a real gateway, in process over loopback backends,
// in dev mode and with NODE_ENV=production, by a client that sends Yoga's CSRF header
// and by one that does not. Every audit must pass except the ones listed here, each
// with the deliberate switch that makes it fail and the response that shows it:
//   - CSRF prevention (both modes): a GET is a request a browser can send cross-site
//     without a preflight, so it needs a CSRF header (docs/policies.md). The audits'
//     GETs are all MAY.
//   - introspection off (production): the audits send `__type(name: …)` — an
//     introspection field — in BF61, 2EA1, 28B9, D6D5 and 6A70; everything else asks
//     for `{ __typename }`, which is not introspection (GraphQL spec §4.1, graphql-js's
//     NoSchemaIntrospectionCustomRule) and works in production too.
import { serverAudits, type AuditFail, type AuditResult } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../policies/fixtures/gateway.ts';
import { startWorld, type World } from '../policies/fixtures/world.ts';

interface ExpectedFailure {
  readonly why: string;
  readonly status: number;
  readonly code: string;
}

const CSRF: ExpectedFailure = { why: 'GET without a CSRF header', status: 403, code: 'CSRF_HEADER_REQUIRED' };
const INTROSPECTION: ExpectedFailure = { why: '__type(name:) is introspection, off in production', status: 400, code: 'INTROSPECTION_DISABLED' };

/** Audits whose GET needs the CSRF header. */
const GETS = { '5A70': CSRF, D6D5: CSRF, '6A70': CSRF };
/** Audits that query `__type`. A GET among them fails on CSRF first when the header is missing. */
const TYPE_QUERIES = { BF61: INTROSPECTION, '2EA1': INTROSPECTION, '28B9': INTROSPECTION, D6D5: INTROSPECTION, '6A70': INTROSPECTION };

interface AuditCase {
  readonly mode: 'development' | 'production';
  readonly csrfHeader: boolean;
  readonly failures: Readonly<Record<string, ExpectedFailure>>;
}

const CASES: AuditCase[] = [
  { mode: 'development', csrfHeader: true, failures: {} },
  { mode: 'development', csrfHeader: false, failures: GETS },
  { mode: 'production', csrfHeader: true, failures: TYPE_QUERIES },
  { mode: 'production', csrfHeader: false, failures: { ...TYPE_QUERIES, ...GETS } },
];

let world: World;
const gateways = new Map<string, RunningGateway>();

beforeAll(async () => {
  world = await startWorld();
  for (const mode of ['development', 'production']) gateways.set(mode, await startGateway(world, '', { nodeEnv: mode, configName: `${mode}.yaml` }));
});
afterAll(async () => {
  await Promise.all([...gateways.values()].map((g) => g.close()));
  await world?.close();
});

async function runAudits(g: RunningGateway, csrfHeader: boolean): Promise<AuditResult[]> {
  const fetchFn = (input: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (csrfHeader) headers.set('x-graphql-yoga-csrf', '1');
    const url = new URL(input);
    return g.fetch(url.pathname + url.search, { ...init, headers });
  };
  const results: AuditResult[] = [];
  // One at a time: the audits are requests, and the order keeps a failure readable.
  // In process: the audits are about GraphQL over HTTP semantics, not about the socket.
  for (const audit of serverAudits({ url: 'http://localhost/graphql', fetchFn })) results.push(await audit.fn());
  return results;
}

describe('graphql-http server audits', () => {
  it('the audits include the ones this file names', () => {
    const ids = serverAudits({ url: 'http://127.0.0.1/graphql' }).map((a) => a.id);
    for (const id of Object.keys({ ...GETS, ...TYPE_QUERIES })) expect(ids).toContain(id);
  });

  it.each(CASES)('$mode, CSRF header sent: $csrfHeader', async ({ mode, csrfHeader, failures }) => {
    const results = await runAudits(gateways.get(mode)!, csrfHeader);
    expect(results.length).toBeGreaterThan(50);
    const failed = results.filter((r): r is AuditFail => r.status !== 'ok');
    expect(failed.map((r) => `${r.id} ${r.name}`).sort()).toEqual(
      results
        .filter((r) => r.id in failures)
        .map((r) => `${r.id} ${r.name}`)
        .sort(),
    );
    if (mode === 'development') for (const r of failed) expect(r.name).toMatch(/^MAY /);
    for (const r of failed) {
      const expected = failures[r.id]!;
      const body = (await r.response.clone().json()) as { errors?: Array<{ extensions?: { code?: string } }> };
      expect({ id: r.id, why: expected.why, status: r.response.status, code: body.errors?.[0]?.extensions?.code }).toEqual({
        id: r.id,
        why: expected.why,
        status: expected.status,
        code: expected.code,
      });
    }
  });
});
