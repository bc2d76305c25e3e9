// Liveness and readiness, as Kubernetes and load balancers expect them:
//   GET /healthz → 200 while the process runs (it never looks at upstreams, so a slow
//                  upstream cannot get a healthy gateway restarted);
//   GET /readyz  → 200 once a schema is being served, 503 before; the body lists each
//                  source, whether it loaded, whether its endpoint answers and its
//                  circuit state. Endpoints are not shown: this route is often public.
import type { Plugin } from 'graphql-yoga';
import type { BuiltSchema } from '../schema/build.ts';

export interface ReadinessReport {
  ready: boolean;
  sources: Array<{ name: string; loaded: boolean; error?: string; reachable?: boolean; status?: number; circuit?: string }>;
}

export async function readiness(current: BuiltSchema | undefined): Promise<ReadinessReport> {
  if (!current) return { ready: false, sources: [] };
  const sources = await Promise.all(
    current.sources.map(async (s) => {
      if (!s.loaded) return { name: s.name, loaded: false, error: s.error };
      const probe = await current.upstream.probe(s.name);
      return { name: s.name, loaded: true, reachable: probe.reachable, status: probe.status, circuit: current.upstream.breakerState(s.name) };
    }),
  );
  return { ready: true, sources };
}

export function useHealth(getCurrent: () => BuiltSchema | undefined): Plugin {
  return {
    async onRequest({ url, request, endResponse, fetchAPI }) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      if (url.pathname === '/healthz') {
        endResponse(fetchAPI.Response.json({ status: 'ok' }));
      } else if (url.pathname === '/readyz') {
        const report = await readiness(getCurrent());
        endResponse(fetchAPI.Response.json(report, { status: report.ready ? 200 : 503 }));
      }
    },
  };
}
