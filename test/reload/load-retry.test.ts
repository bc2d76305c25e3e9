// A source whose document URL is down at start (issue 11) is retried in the background
// and joins the schema when its document loads, the other sources served all along and
// /readyz saying why meanwhile; retrying stops when the gateway closes. The document
// server answers 503 until the test flips a flag: nothing waits on time, every step waits
// for the gateway's own retry events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway, type SourceRetryEvent } from '../../src/gateway.ts';
import { silentLogger } from '../../src/observability/log.ts';
import { removeTempDir, startBackend, writeTempDir, type Backend } from '../helpers/backend.ts';
import { graphql, rest } from '../helpers/gateway.ts';
import { getOp, objectOf, openapiDoc, specYaml, STRING } from '../helpers/openapi.ts';

const STABLE = specYaml(openapiDoc({ title: 'Stable', paths: { '/stable': getOp('stable', { response: objectOf({ id: STRING }) }) } }));
const LATE = specYaml(openapiDoc({ title: 'Late', paths: { '/late': getOp('late', { response: objectOf({ id: STRING }) }) } }));

/** Retry events, with a way to wait for the next one that matches. */
function retryEvents() {
  const seen: SourceRetryEvent[] = [];
  const waiting: Array<{ match: (e: SourceRetryEvent) => boolean; resolve: (e: SourceRetryEvent) => void }> = [];
  return {
    seen,
    record(event: SourceRetryEvent) {
      seen.push(event);
      for (const w of waiting.splice(0)) {
        if (w.match(event)) w.resolve(event);
        else waiting.push(w);
      }
    },
    /** The first event (already seen or still to come) with this outcome. */
    next(outcome: SourceRetryEvent['outcome']): Promise<SourceRetryEvent> {
      const match = (e: SourceRetryEvent) => e.outcome === outcome;
      const already = seen.find(match);
      return already ? Promise.resolve(already) : new Promise((resolve) => waiting.push({ match, resolve }));
    },
  };
}

interface Setup {
  readonly gateway: Gateway;
  readonly docs: Backend;
  readonly events: ReturnType<typeof retryEvents>;
  readonly dir: string;
}

let backend: Backend;
const available = { late: false };

async function start(retry: boolean | undefined): Promise<Setup> {
  const docs = await startBackend((_req, url) => {
    if (url.pathname !== '/late.yaml') return undefined;
    return available.late ? { status: 200, headers: { 'content-type': 'application/yaml' }, body: LATE } : { status: 503, body: { message: 'starting up' } };
  });
  const settings = retry === undefined ? 'loadRetry: { initialDelayMs: 1, maxDelayMs: 4 }' : `loadRetry: { enabled: ${retry} }`;
  const dir = await writeTempDir({
    'stable.yaml': STABLE,
    '.meshrc.yaml': `sources:
  - name: Stable
    handler: { openapi: { source: ./stable.yaml, endpoint: ${backend.url} } }
  - name: Late
    handler: { openapi: { source: ${docs.url}/late.yaml, endpoint: ${backend.url} } }
tributary:
  sources:
    Late:
      ${settings}
`,
  });
  const events = retryEvents();
  const gateway = await createGateway({ configFile: `${dir}/.meshrc.yaml`, logger: silentLogger, onSourceRetry: (e) => events.record(e) });
  return { gateway, docs, events, dir };
}

async function stop(setup: Setup | undefined): Promise<void> {
  await setup?.gateway.close({ graceMs: 0 });
  await setup?.docs.close();
  if (setup) await removeTempDir(setup.dir);
}

beforeAll(async () => {
  backend = await startBackend((_req, url) => ({ status: 200, body: { id: url.pathname.slice(1) } }));
});

afterAll(async () => {
  await backend?.close();
});

describe('a document that answers 503 at start, then loads', () => {
  let setup: Setup;

  beforeAll(async () => {
    available.late = false;
    setup = await start(undefined);
  });

  afterAll(() => stop(setup));

  it('is retried while the other source is served and /readyz says why', async () => {
    const failed = await setup.events.next('failed');
    expect(failed).toMatchObject({ source: 'Late', attempts: 1 });
    expect((await graphql(setup.gateway, '{ stable { id } }')).body).toEqual({ data: { stable: { id: 'stable' } } });
    const ready = await rest(setup.gateway, 'GET', '/readyz');
    const late = ready.json<{ sources: Array<{ name: string; loaded: boolean; error?: string; retrying?: boolean }> }>().sources.find((s) => s.name === 'Late');
    expect(late).toMatchObject({ loaded: false, retrying: true, error: expect.stringContaining('503') });
    expect((await graphql(setup.gateway, '{ late { id } }')).body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('joins the schema once its document loads, and the retry ends', async () => {
    available.late = true;
    const loaded = await setup.events.next('loaded');
    expect(loaded.source).toBe('Late');
    expect((await graphql(setup.gateway, '{ late { id } stable { id } }')).body).toEqual({ data: { late: { id: 'late' }, stable: { id: 'stable' } } });
    const ready = await rest(setup.gateway, 'GET', '/readyz');
    expect(ready.json<{ sources: Array<{ name: string; loaded: boolean; retrying?: boolean }> }>().sources.map((s) => [s.name, s.loaded, s.retrying])).toEqual([
      ['Stable', true, undefined],
      ['Late', true, undefined],
    ]);
    // Every attempt read the document once; the last one got it.
    expect(setup.docs.calls.filter((c) => c.url === '/late.yaml')).toHaveLength(loaded.attempts + 1);
  });
});

describe('closing the gateway', () => {
  let setup: Setup;

  beforeAll(async () => {
    available.late = false;
    setup = await start(undefined);
  });

  afterAll(() => stop(setup));

  it('stops the retry: it reports stopped, with no attempt after', async () => {
    await setup.events.next('failed');
    await setup.gateway.close({ graceMs: 0 });
    const stopped = await setup.events.next('stopped');
    expect(stopped.source).toBe('Late');
    const reads = setup.docs.calls.length;
    // At most the attempt in flight when close() started read the document after the last report.
    expect(reads).toBeLessThanOrEqual(stopped.attempts + 1);
    expect(setup.events.seen.filter((e) => e.outcome === 'loaded')).toEqual([]);
  });
});

describe('loadRetry.enabled: false', () => {
  let setup: Setup;

  beforeAll(async () => {
    available.late = false;
    setup = await start(false);
  });

  afterAll(() => stop(setup));

  it('leaves the source out without retrying, and /readyz does not say retrying', async () => {
    const ready = await rest(setup.gateway, 'GET', '/readyz');
    const late = ready.json<{ sources: Array<{ name: string; loaded: boolean; retrying?: boolean }> }>().sources.find((s) => s.name === 'Late');
    expect(late).toMatchObject({ loaded: false });
    expect(late?.retrying).toBeUndefined();
    expect(setup.docs.calls).toHaveLength(1);
    expect(setup.events.seen).toEqual([]);
  });
});
