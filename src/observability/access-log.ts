// The access log: one JSON line per request, GraphQL and passthrough alike, with what an
// operator looks for first — who asked what, how it ended, how long it took and how many
// upstream calls it cost — under the request id the client and every service also see.
import type { RequestScope } from '../context.ts';
import type { Logger } from './log.ts';

export interface AccessEntry {
  readonly kind: 'graphql' | 'passthrough';
  readonly method: string;
  /** The path without the query string (which may hold secrets). */
  readonly path: string;
  readonly status: number;
  readonly ms: number;
  /** Passthrough: the source called. */
  readonly source?: string;
  /** GraphQL: the operation's name (when it has one) and type. */
  readonly operationName?: string;
  readonly operationType?: string;
  /** The error codes the answer carries, in order, once each. */
  readonly errorCodes?: readonly string[];
}

export type AccessLog = (scope: RequestScope, entry: AccessEntry) => void;

export function createAccessLog(logger: Logger): AccessLog {
  const access = logger.child({ component: 'access' });
  return function logAccess(scope, entry) {
    access.info(
      {
        requestId: scope.requestId,
        ...entry,
        upstreamCalls: scope.upstreamCalls,
        client: scope.address,
        ...(scope.principal ? { principal: `${scope.principal.kind}:${scope.principal.subject ?? ''}` } : {}),
      },
      'request',
    );
  };
}
