// The mock REST services of a scenario. Every body is serialised once, at start-up: a
// list route answers a prebuilt Buffer, an item route one of a prebuilt map, a bulk
// route joins prebuilt JSON texts. So the backend's cost per call is small and the same
// for every system under test, and what is measured is the gateway. Each service counts
// the calls it receives; the runner reads the counts to report upstream calls per query.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startDemoServices } from '../../src/demo/index.ts';
import type { BackendSpec, MockService, Route } from '../scenarios/types.ts';

export interface CallCounts {
  total: number;
  byService: Record<string, number>;
  /** The most recent calls, `service METHOD /path?query`, oldest first (at most 256). */
  recent: string[];
}

export interface RunningBackend {
  /** Base URL per service name. */
  urls: Record<string, string>;
  counts(): CallCounts;
  /** A `sized` backend: serve the services of this list size from now on. */
  select(size: number): void;
  close(): Promise<void>;
}

const RECENT = 256;

type Handler = (pathname: string, search: URLSearchParams) => Buffer | undefined;

const NOT_FOUND = Buffer.from('{"message":"not found"}');

function compileRoute(
  service: MockService,
  route: Route,
): {
  match: (segments: string[]) => Record<string, string> | undefined;
  handle: (params: Record<string, string>, search: URLSearchParams) => Buffer | undefined;
} {
  const template = route.path.split('/').slice(1);
  const match = (segments: string[]) => {
    if (segments.length !== template.length) return undefined;
    const params: Record<string, string> = {};
    for (let i = 0; i < template.length; i++) {
      const t = template[i];
      if (t.startsWith('{') && t.endsWith('}')) params[t.slice(1, -1)] = decodeURIComponent(segments[i]);
      else if (t !== segments[i]) return undefined;
    }
    return params;
  };
  const records = (name: string) => service.collections[name] ?? [];
  if ('body' in route) {
    const body = Buffer.from(JSON.stringify(route.body));
    return { match, handle: () => body };
  }
  if ('list' in route) {
    const all = records(route.list);
    const body = Buffer.from(JSON.stringify(all));
    if (!route.filters?.length && !route.limit) return { match, handle: () => body };
    // A filtered list is computed once per distinct query string and kept: the load asks
    // the same one over and over, and the backend should not cost more per call for it.
    const answers = new Map<string, Buffer>();
    const filters = route.filters ?? [];
    return {
      match,
      handle: (_params, search) => {
        const text = search.toString();
        let answer = answers.get(text);
        if (answer) return answer;
        let list = all.filter((r) => filters.every((f) => !search.has(f) || String(r[f]) === search.get(f)));
        const limit = route.limit && search.has(route.limit) ? Number(search.get(route.limit)) : undefined;
        if (limit !== undefined && Number.isFinite(limit)) list = list.slice(0, Math.max(0, limit));
        answer = Buffer.from(JSON.stringify(list));
        if (answers.size < 64) answers.set(text, answer);
        return answer;
      },
    };
  }
  const key = route.key ?? 'id';
  const source = 'item' in route ? route.item : route.bulk;
  const texts = new Map(records(source).map((r) => [String(r[key]), JSON.stringify(r)]));
  if ('item' in route) {
    const bodies = new Map([...texts].map(([k, text]) => [k, Buffer.from(text)]));
    const param = /\{([^}]+)\}/.exec(route.path)?.[1] ?? 'id';
    return { match, handle: (params) => bodies.get(params[param]) };
  }
  // Accepts `id=1&id=2`, `id=1,2`, `id[]=1` and `id[0]=1`: gateways serialise arrays differently.
  const name = new RegExp(`^${route.param}(\\[\\d*\\])?$`);
  return {
    match,
    handle: (_params, search) => {
      const seen = new Set<string>();
      const out: string[] = [];
      for (const [k, v] of search) {
        if (!name.test(k)) continue;
        for (const id of v.split(',')) {
          if (seen.has(id)) continue;
          seen.add(id);
          const text = texts.get(id);
          if (text !== undefined) out.push(text);
        }
      }
      return Buffer.from(`[${out.join(',')}]`);
    },
  };
}

function serviceHandler(service: MockService): Handler {
  const routes = service.routes.map((r) => compileRoute(service, r));
  return (pathname, search) => {
    const segments = pathname.split('/').slice(1);
    for (const route of routes) {
      const params = route.match(segments);
      if (params) return route.handle(params, search);
    }
    return undefined;
  };
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

export async function startBackend(spec: BackendSpec): Promise<RunningBackend> {
  const byService: Record<string, number> = {};
  const recent: string[] = [];
  let total = 0;
  const record = (service: string, method: string, url: string) => {
    total++;
    byService[service] = (byService[service] ?? 0) + 1;
    recent.push(`${service} ${method} ${url}`);
    if (recent.length > RECENT) recent.shift();
  };
  const counts = (): CallCounts => ({ total, byService: { ...byService }, recent: [...recent] });

  if (spec.kind === 'demo') {
    // The demo services record their calls themselves; drained here so the log stays small under load.
    const services = await startDemoServices();
    const drain = () => {
      for (const call of services.calls()) record(call.service, call.method, call.url);
      services.resetCalls();
    };
    const select = () => {
      throw new Error('the demo backend has one size');
    };
    return { urls: { ...services.urls }, counts: () => (drain(), counts()), select, close: () => services.close() };
  }

  // Every size's handlers are built up front (bodies serialised at start-up, as above);
  // `select` only switches which table the servers answer from.
  const tables: Record<string, Record<string, Handler>> = {};
  const bySize = spec.kind === 'sized' ? spec.sizes : { only: spec.services };
  for (const [size, services] of Object.entries(bySize)) {
    tables[size] = Object.fromEntries(Object.entries(services).map(([name, service]) => [name, serviceHandler(service)]));
  }
  let current = tables[Object.keys(tables)[0]];
  if (!current) throw new Error('backend: no services');
  const select = (size: number) => {
    const table = tables[String(size)];
    if (!table || spec.kind !== 'sized') throw new Error(`backend: no size ${size} (sizes: ${Object.keys(tables).join(', ')})`);
    current = table;
  };

  const servers: Server[] = [];
  const urls: Record<string, string> = {};
  for (const name of Object.keys(current)) {
    const server = createServer((req, res) => {
      record(name, req.method ?? 'GET', req.url ?? '/');
      const url = new URL(req.url ?? '/', 'http://backend.invalid');
      const handle = current[name];
      const body = req.method === 'GET' && handle ? handle(url.pathname, url.searchParams) : undefined;
      res.writeHead(body ? 200 : 404, { 'content-type': 'application/json', 'content-length': (body ?? NOT_FOUND).length });
      res.end(body ?? NOT_FOUND);
    });
    // Gateways keep connections open between bursts; the Node default (5 s) would close them mid-run.
    server.keepAliveTimeout = 60_000;
    servers.push(server);
    urls[name] = await listen(server);
  }
  return {
    urls,
    counts,
    select,
    close: () =>
      Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.closeAllConnections();
              s.close(() => resolve());
            }),
        ),
      ).then(() => undefined),
  };
}
