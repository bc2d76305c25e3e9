// Rate limits as a policy. Who is counted: the principal when authenticated, else the
// client address (both on the request scope, decided by the policies before this one).
// - /graphql: the global rules are charged in `onRequest`, before the body is read; a
//   batch (an array body) is N operations, so N - 1 more charges once the body is parsed;
//   field rules are charged in `onExecute`, after validation, so a refused document costs
//   nothing; a source's rules once per request, by the outbound rule, when a field first
//   calls it — a refusal then fails that field only.
// - passthrough: global, source and the rules of every field that calls the same
//   operation, in one charge, so a `field` rule cannot be sidestepped by calling its
//   endpoint directly.
// The response carries the RateLimit-* fields of the rule that refused the request, or
// else of the tightest window (least remaining) of all the rules it was charged to.
import { GraphQLError, getNamedType, getOperationAST, isObjectType, Kind, type DocumentNode, type GraphQLSchema, type SelectionSetNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { principalKey, scopeOf, type RequestScope, type TributaryContext } from '../../context.ts';
import { httpHeadersOf } from '../../errors.ts';
import { passthroughRefusal, refusalResponse } from '../refusal.ts';
import type { Policy } from '../policy.ts';
import type { WindowCount } from './counters.ts';
import type { Caller, CompiledRule, RateLimiter, RateVerdict } from './limiter.ts';

/** What the rate limits told one request, for its response headers. */
interface RateReport {
  headers: Record<string, string> | undefined;
  count?: WindowCount;
  /** A rule refused part of the request: its numbers stay. */
  refused?: boolean;
}

const REPORT = 'rate-limit:report';
const chargedKey = (source: string) => `rate-limit:source:${source}`;

function reportOf(scope: RequestScope): RateReport {
  let report = scope.memo.get(REPORT) as RateReport | undefined;
  if (!report) scope.memo.set(REPORT, (report = { headers: undefined }));
  return report;
}

/** Keeps the numbers of the first refusal, else of the window with the least remaining. */
function record(scope: RequestScope, verdict: RateVerdict): void {
  const report = reportOf(scope);
  if (report.refused || verdict.count === undefined) return;
  if (!verdict.ok) {
    report.refused = true;
    report.count = verdict.count;
    report.headers = httpHeadersOf(verdict.error) as Record<string, string> | undefined;
  } else if (report.count === undefined || verdict.count.remaining < report.count.remaining) {
    report.count = verdict.count;
    report.headers = verdict.headers;
  }
}

const callerOf = (scope: RequestScope): Caller => ({ principal: principalKey(scope.principal), address: scope.address });

export function useRateLimit(limiter: RateLimiter, graphqlPath: string): Policy {
  const { global } = limiter;
  const fieldRules = limiter.byField.size ? limiter.byField : undefined;

  const requestLimits: Plugin = {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (global.length === 0 || url.pathname !== graphqlPath || request.method === 'OPTIONS') return;
      const scope = scopeOf(request);
      const verdict = await limiter.charge(global, callerOf(scope));
      if (!verdict.ok) return endResponse(refusalResponse(verdict.error, fetchAPI));
      record(scope, verdict);
    },
    // The rest of a batch's operations, once the body says how many there are. A refusal
    // thrown here answers the whole request (429, as for a single operation).
    onRequestParse({ request }) {
      if (global.length === 0) return;
      return {
        async onRequestParseDone({ requestParserResult }) {
          if (!Array.isArray(requestParserResult) || requestParserResult.length < 2) return;
          const scope = scopeOf(request);
          const rules: CompiledRule[] = [];
          for (let i = 1; i < requestParserResult.length; i += 1) rules.push(...global);
          const verdict = await limiter.charge(rules, callerOf(scope));
          record(scope, verdict);
          if (!verdict.ok) throw verdict.error;
        },
      };
    },
    onResponse({ request, response }) {
      const headers = (scopeOf(request).memo.get(REPORT) as RateReport | undefined)?.headers;
      if (headers) for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
    },
  };

  const graphql: Plugin[] = [requestLimits];
  if (fieldRules) {
    const counted = new WeakMap<DocumentNode, Map<string, number>>();
    graphql.push({
      async onExecute({ args, setResultAndStopExecution }) {
        const scope = (args.contextValue as unknown as TributaryContext).scope;
        if (!scope) return;
        let selected = counted.get(args.document);
        if (!selected) {
          selected = selectedCoordinates(args.schema, args.document, args.operationName ?? undefined, fieldRules);
          counted.set(args.document, selected);
        }
        const rules: CompiledRule[] = [];
        for (const [coordinate, times] of selected) for (const rule of fieldRules.get(coordinate)!) for (let i = 0; i < times; i += 1) rules.push(rule);
        if (rules.length === 0) return;
        const verdict = await limiter.charge(rules, callerOf(scope));
        record(scope, verdict);
        if (!verdict.ok) {
          const error = verdict.error;
          const { http, ...extensions } = error.extensions;
          setResultAndStopExecution({ errors: [new GraphQLError(error.message, { extensions: { ...extensions, code: error.code, http: http as never } })] });
        }
      },
    });
  }

  return {
    name: 'rate limits',
    graphql,
    async passthrough(call, scope) {
      const rules = rulesFor(limiter, call.source, call.operation?.fields ?? []);
      // The source's rules are in this charge: the outbound rule must not charge them again.
      scope.memo.set(chargedKey(call.source), Promise.resolve());
      if (rules.length === 0) return undefined;
      const verdict = await limiter.charge(rules, callerOf(scope));
      if (!verdict.ok) return passthroughRefusal(verdict.error);
      return verdict.headers ? { responseHeaders: verdict.headers } : undefined;
    },
    outbound:
      limiter.bySource.size > 0
        ? {
            name: 'rate limits: per source',
            sources: new Set(limiter.bySource.keys()),
            apply(source, { scope }) {
              // Once per request and source, however many fields call it (and concurrently).
              let charged = scope.memo.get(chargedKey(source)) as Promise<void> | undefined;
              if (!charged) {
                charged = limiter.charge(limiter.bySource.get(source)!, callerOf(scope)).then((verdict) => {
                  record(scope, verdict);
                  if (!verdict.ok) throw verdict.error;
                });
                scope.memo.set(chargedKey(source), charged);
              }
              return charged;
            },
          }
        : undefined,
  };
}

/**
 * Global and source rules, then the rules of every field that calls the operation, each
 * once: the counters are the ones /graphql charges for a selection of that field, so a
 * window is shared by both ways of reaching the operation.
 */
function rulesFor(limiter: RateLimiter, source: string, fields: readonly string[]): CompiledRule[] {
  const rules = [...limiter.global, ...(limiter.bySource.get(source) ?? [])];
  if (fields.length === 0 || limiter.byField.size === 0) return rules;
  const seen = new Set(rules);
  for (const field of fields) {
    for (const rule of limiter.byField.get(field) ?? []) {
      if (!seen.has(rule)) rules.push(rule);
      seen.add(rule);
    }
  }
  return rules;
}

/** How often each rate-limited coordinate is selected by the operation (fragments followed). */
function selectedCoordinates(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | undefined,
  rules: ReadonlyMap<string, unknown>,
): Map<string, number> {
  const out = new Map<string, number>();
  const operation = getOperationAST(document, operationName);
  if (!operation) return out;
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
  const root = schema.getRootType(operation.operation);
  const visit = (typeName: string, set: SelectionSetNode, seen: Set<string>): void => {
    const type = schema.getType(typeName);
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const coordinate = `${typeName}.${selection.name.value}`;
        if (rules.has(coordinate)) out.set(coordinate, (out.get(coordinate) ?? 0) + 1);
        const field = isObjectType(type) ? type.getFields()[selection.name.value] : undefined;
        if (field && selection.selectionSet) visit(getNamedType(field.type).name, selection.selectionSet, seen);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        visit(selection.typeCondition?.name.value ?? typeName, selection.selectionSet, seen);
      } else if (!seen.has(selection.name.value)) {
        const fragment = fragments.get(selection.name.value);
        if (fragment) visit(fragment.typeCondition.name.value, fragment.selectionSet, new Set([...seen, selection.name.value]));
      }
    }
  };
  if (root) visit(root.name, operation.selectionSet, new Set());
  return out;
}
