// The request id of /graphql (context.ts requestIdFrom): echoed on every answer, and the
// access log line (observability/access-log.ts) written once the answer is known. Health
// probes are echoed but not logged: an orchestrator asks every few seconds.
import { getOperationAST, type DocumentNode, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { scopeOf } from '../context.ts';
import type { AccessLog } from '../observability/access-log.ts';

interface Seen {
  readonly startedAt: number;
  readonly path: string;
  operationName?: string;
  operationType?: string;
  errorCodes?: Set<string>;
}

const SEEN = 'access-log';
const QUIET = new Set(['/healthz', '/readyz']);

export function useRequestId(accessLog: AccessLog | undefined): Plugin {
  if (!accessLog) {
    return {
      onResponse({ request, response }) {
        response.headers.set('x-request-id', scopeOf(request).requestId);
      },
    };
  }
  const operations = new WeakMap<DocumentNode, Map<string, { name?: string; type?: string }>>();
  const operationOf = (document: DocumentNode, operationName: string | null | undefined) => {
    let byName = operations.get(document);
    if (!byName) operations.set(document, (byName = new Map()));
    const key = operationName ?? '';
    let found = byName.get(key);
    if (!found) {
      const ast = getOperationAST(document, operationName ?? undefined);
      byName.set(key, (found = { name: ast?.name?.value, type: ast?.operation }));
    }
    return found;
  };
  return {
    onRequest({ request, url }) {
      if (!QUIET.has(url.pathname)) scopeOf(request).memo.set(SEEN, { startedAt: performance.now(), path: url.pathname } satisfies Seen);
    },
    onExecute({ args }) {
      const request = (args.contextValue as { request?: Request }).request;
      const seen = request && (scopeOf(request).memo.get(SEEN) as Seen | undefined);
      if (!seen) return;
      const operation = operationOf(args.document, args.operationName);
      seen.operationName = operation.name;
      seen.operationType = operation.type;
    },
    onResultProcess({ request, result }) {
      const seen = scopeOf(request).memo.get(SEEN) as Seen | undefined;
      if (!seen) return;
      for (const one of Array.isArray(result) ? result : [result]) {
        for (const error of (one as ExecutionResult).errors ?? []) {
          const code = error.extensions?.code;
          if (typeof code === 'string') (seen.errorCodes ??= new Set()).add(code);
        }
      }
    },
    onResponse({ request, response }) {
      const scope = scopeOf(request);
      response.headers.set('x-request-id', scope.requestId);
      const seen = scope.memo.get(SEEN) as Seen | undefined;
      if (!seen) return;
      accessLog(scope, {
        kind: 'graphql',
        method: request.method,
        path: seen.path,
        status: response.status,
        ms: Math.round((performance.now() - seen.startedAt) * 10) / 10,
        ...(seen.operationName ? { operationName: seen.operationName } : {}),
        ...(seen.operationType ? { operationType: seen.operationType } : {}),
        ...(seen.errorCodes ? { errorCodes: [...seen.errorCodes] } : {}),
      });
    },
  };
}
