// Liveness and readiness, as Kubernetes and load balancers expect them:
//   GET /healthz → 200 while the process runs (it never looks at upstreams, so a slow
//                  upstream cannot get a healthy gateway restarted);
//   GET /readyz  → 200 once a schema is being served, 503 before and from the moment a
//                  shutdown starts (`draining: true`), so a balancer stops sending work;
//                  the body lists each source, whether it loaded (if not: why, and
//                  `retrying: true` while it is retried in the background), whether its endpoint
//                  answers and its circuit state. Endpoints are not shown: this route is
//                  often public.
// Because /readyz is public and needs no credentials, it must not let anyone make the
// gateway call upstreams at will: each source's probe result is kept for PROBE_TTL_MS
// after it answered, and shared by every caller meanwhile (one probe in flight per source,
// whoever asks), so a source is probed afresh at most once per PROBE_TTL_MS (plus the
// probe's own time) per process, whatever the request rate. The cache is keyed by source name, so a reload does not reset the bound.
import type { Plugin } from 'graphql-yoga';

/** What readiness looks at in the generation being served (gateway.ts hands it the built schema). */
export interface Served {
  /** `retrying`: the source failed to load and is being retried in the background. */
  readonly sources: readonly { readonly name: string; readonly loaded: boolean; readonly error?: string; readonly retrying?: boolean }[];
  readonly upstream: {
    probe(source: string): Promise<{ reachable: boolean; status?: number; error?: string }>;
    breakerState(source: string): string;
  };
}

/** How long one probe of a source answers for every /readyz caller. */
export const PROBE_TTL_MS = 2_000;

export interface ReadinessReport {
  ready: boolean;
  /** Present (true) while the gateway shuts down. */
  draining?: boolean;
  sources: Array<{ name: string; loaded: boolean; error?: string; retrying?: boolean; reachable?: boolean; status?: number; circuit?: string }>;
}

type ProbeResult = Awaited<ReturnType<Served['upstream']['probe']>>;

export interface ReadinessOptions {
  ttlMs?: number;
  /** Clock, for tests of the cache's expiry. */
  now?: () => number;
}

/** Returns the readiness check of one gateway; its probe cache lives as long as it does. */
export function createReadiness({ ttlMs = PROBE_TTL_MS, now = Date.now }: ReadinessOptions = {}): (current: Served | undefined) => Promise<ReadinessReport> {
  /** `at` is when the probe settled; undefined while it is in flight. */
  const probes = new Map<string, { at: number | undefined; result: Promise<ProbeResult> }>();

  const probeOf = (current: Served, name: string): Promise<ProbeResult> => {
    const cached = probes.get(name);
    // In flight (a probe can take as long as its timeout): everyone waits for that one.
    if (cached && (cached.at === undefined || now() - cached.at < ttlMs)) return cached.result;
    // probe() reports failures as { reachable: false }; a throw here is a bug, shown the same way.
    const entry: { at: number | undefined; result: Promise<ProbeResult> } = { at: undefined, result: Promise.resolve({ reachable: false }) };
    entry.result = current.upstream
      .probe(name)
      .catch((): ProbeResult => ({ reachable: false }))
      .finally(() => {
        entry.at = now();
      });
    probes.set(name, entry);
    return entry.result;
  };

  return async function readiness(current) {
    if (!current) return { ready: false, sources: [] };
    const names = new Set(current.sources.map((s) => s.name));
    // Sources removed by a reload are forgotten, so the cache stays as small as the config.
    for (const name of probes.keys()) if (!names.has(name)) probes.delete(name);
    const sources = await Promise.all(
      current.sources.map(async (s) => {
        if (!s.loaded) return { name: s.name, loaded: false, error: s.error, ...(s.retrying ? { retrying: true } : {}) };
        const probe = await probeOf(current, s.name);
        return { name: s.name, loaded: true, reachable: probe.reachable, status: probe.status, circuit: current.upstream.breakerState(s.name) };
      }),
    );
    return { ready: true, sources };
  };
}

export function useHealth(getCurrent: () => Served | undefined, isDraining: () => boolean = () => false, options: ReadinessOptions = {}): Plugin {
  const readiness = createReadiness(options);
  return {
    async onRequest({ url, request, endResponse, fetchAPI }) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      if (url.pathname === '/healthz') {
        endResponse(fetchAPI.Response.json({ status: 'ok' }));
      } else if (url.pathname === '/readyz') {
        // Draining: no probe at all; the answer is the same whatever the sources say.
        if (isDraining()) return endResponse(fetchAPI.Response.json({ ready: false, draining: true, sources: [] } satisfies ReadinessReport, { status: 503 }));
        const report = await readiness(getCurrent());
        endResponse(fetchAPI.Response.json(report, { status: report.ready ? 200 : 503 }));
      }
    },
  };
}
