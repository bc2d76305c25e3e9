// Each request at the GraphQL path, for the metrics (observability/metrics.ts): in flight
// from onRequest to onResponse, then counted by operation and outcome with its duration.
// Refusals by later onRequest hooks (auth, rate limits) are counted too: onResponse runs
// for every answer, however early it was decided.
import type { DocumentNode, ExecutionResult, OperationDefinitionNode } from 'graphql';
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { scopeOf } from '../context.ts';
import type { Metrics } from '../observability/metrics.ts';

interface Seen {
  readonly startedAt: number;
  operations: number;
  operationName?: string;
  operationType?: string;
  failed: boolean;
}

const SEEN = 'graphql-metrics';

export function useGraphqlMetrics(metrics: Metrics, graphqlPath: string): Plugin {
  // Per document (Yoga caches parsed documents), so the AST is searched once per operation name.
  const operations = new WeakMap<DocumentNode, Map<string, OperationDefinitionNode | null>>();
  const operationOf = (document: DocumentNode, operationName: string | null | undefined): OperationDefinitionNode | null => {
    let byName = operations.get(document);
    if (!byName) operations.set(document, (byName = new Map()));
    const key = operationName ?? '';
    let found = byName.get(key);
    if (found === undefined) byName.set(key, (found = getOperationAST(document, operationName ?? undefined) ?? null));
    return found;
  };
  const executing = ({ args }: { args: { contextValue: unknown; document: DocumentNode; operationName?: string | null } }) => {
    const request = (args.contextValue as { request?: Request }).request;
    const seen = request && (scopeOf(request).memo.get(SEEN) as Seen | undefined);
    if (!seen) return;
    const operation = operationOf(args.document, args.operationName);
    seen.operations += 1;
    seen.operationName = operation?.name?.value;
    seen.operationType = operation?.operation;
  };
  return {
    onRequest({ request, url }) {
      if (url.pathname !== graphqlPath || request.method === 'OPTIONS') return;
      metrics.graphqlStarted();
      scopeOf(request).memo.set(SEEN, { startedAt: performance.now(), operations: 0, failed: false } satisfies Seen);
    },
    onExecute: executing,
    onSubscribe: executing,
    onResultProcess({ request, result }) {
      const seen = scopeOf(request).memo.get(SEEN) as Seen | undefined;
      if (!seen) return;
      for (const one of Array.isArray(result) ? result : [result]) if ((one as ExecutionResult).errors?.length) seen.failed = true;
    },
    onResponse({ request, response }) {
      const scope = scopeOf(request);
      const seen = scope.memo.get(SEEN) as Seen | undefined;
      if (!seen) return;
      scope.memo.delete(SEEN);
      metrics.graphqlFinished({
        operationName: seen.operationName,
        operationType: seen.operationType,
        operations: seen.operations,
        failed: seen.failed || response.status >= 400,
        seconds: (performance.now() - seen.startedAt) / 1000,
      });
    },
  };
}
