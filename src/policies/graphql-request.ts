// The per-request policies of /graphql, as one Yoga plugin: who is calling (credentials,
// client address), whether they may (auth mode, global rate limits) — both decided in
// `onRequest`, before the body is read or parsed — and what the execution needs to know
// (the principal on the context, and the upstream gate that applies per-source rules to
// every upstream call a field makes). Field rate limits are charged in `onExecute`, after
// validation, so a refused document costs nothing. A batch (an array body) is N
// operations: the global rules charged once in `onRequest` are charged N - 1 more times
// once the body is parsed, and every operation is executed, and charged, on its own.
// The response carries the RateLimit-* fields of the rule that refused the request, or
// else of the tightest window (least remaining) of all the rules it was charged to.
import { GraphQLError, getNamedType, getOperationAST, isObjectType, Kind, type DocumentNode, type GraphQLSchema, type SelectionSetNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { IncomingMessage } from 'node:http';
import { httpError, httpHeadersOf, type TributaryError } from '../errors.ts';
import type { TributaryContext, UpstreamGateResult } from '../context.ts';
import type { Authenticator, Principal } from './auth/authenticator.ts';
import type { ClientAddressResolver } from './client-address.ts';
import type { Caller, CompiledRule, RateLimiter, RateVerdict } from './rate-limit/limiter.ts';
import type { WindowCount } from './rate-limit/counters.ts';
import type { HeaderRules } from './set-headers.ts';

/** What the policies learned about one request, kept for its context and response. */
export interface RequestState {
  readonly principal: Principal | undefined;
  readonly caller: Caller;
  /** RateLimit-* fields for the response (and Retry-After once refused). */
  rateHeaders: Record<string, string> | undefined;
  /** The window `rateHeaders` describe. */
  rateCount?: WindowCount;
  /** A rule refused part of the request: its numbers stay. */
  rateRefused?: boolean;
  /** Sources this request called (cache TTLs, passthrough cache invalidation). */
  readonly touched: Set<string>;
}

const STATE = Symbol('tributary.policyState');

export function requestStateOf(context: TributaryContext): RequestState | undefined {
  return context[STATE as unknown as string] as RequestState | undefined;
}

export function principalKey(principal: Principal | undefined): string | undefined {
  return principal === undefined ? undefined : `${principal.kind}:${principal.subject ?? ''}`;
}

export interface GraphqlRequestPolicyOptions {
  readonly graphqlPath: string;
  readonly clientAddress: ClientAddressResolver;
  readonly authenticator?: Authenticator;
  readonly limiter?: RateLimiter;
  readonly headerRules: ReadonlyMap<string, HeaderRules>;
  /** Whether execution needs the per-request gate (some per-source rule exists). */
  readonly needsGate: boolean;
}

/** Keeps the numbers of the first refusal, else of the window with the least remaining. */
function report(state: RequestState, verdict: RateVerdict): void {
  if (state.rateRefused || verdict.count === undefined) return;
  if (!verdict.ok) {
    state.rateRefused = true;
    state.rateCount = verdict.count;
    state.rateHeaders = httpHeadersOf(verdict.error);
  } else if (state.rateCount === undefined || verdict.count.remaining < state.rateCount.remaining) {
    state.rateCount = verdict.count;
    state.rateHeaders = verdict.headers;
  }
}

function refusal(error: TributaryError, fetchAPI: { Response: typeof Response }): Response {
  const answer = httpError(error, 'graphql');
  return new fetchAPI.Response(answer.body, { status: answer.status, headers: answer.headers });
}

export function useGraphqlRequestPolicies(options: GraphqlRequestPolicyOptions): Plugin[] {
  const { authenticator, limiter, headerRules, clientAddress } = options;
  const states = new WeakMap<Request, RequestState>();
  const fieldRules = limiter?.byField.size ? limiter.byField : undefined;

  const onRequest: NonNullable<Plugin['onRequest']> = async ({ request, url, serverContext, endResponse, fetchAPI }) => {
    if (url.pathname !== options.graphqlPath || request.method === 'OPTIONS') return;
    const req = (serverContext as { req?: IncomingMessage }).req;
    const address = clientAddress(req?.socket?.remoteAddress, request.headers.get('x-forwarded-for')).address;
    let principal: Principal | undefined;
    if (authenticator && authenticator.graphqlMode !== 'none') {
      const outcome = await authenticator.authenticate((name) => request.headers.get(name), authenticator.graphqlMode);
      if ('error' in outcome) return endResponse(refusal(outcome.error, fetchAPI));
      principal = outcome.principal;
    }
    const state: RequestState = { principal, caller: { principal: principalKey(principal), address }, rateHeaders: undefined, touched: new Set() };
    states.set(request, state);
    if (limiter && limiter.global.length > 0) {
      const verdict = await limiter.charge(limiter.global, state.caller);
      if (!verdict.ok) return endResponse(refusal(verdict.error, fetchAPI));
      report(state, verdict);
    }
  };

  // The rest of a batch's operations, once the body says how many there are. A refusal
  // thrown here answers the whole request (429, as for a single operation).
  const onRequestParse: NonNullable<Plugin['onRequestParse']> = ({ request }) => {
    const state = states.get(request);
    if (!state || !limiter || limiter.global.length === 0) return;
    return {
      async onRequestParseDone({ requestParserResult }) {
        if (!Array.isArray(requestParserResult) || requestParserResult.length < 2) return;
        const rules: CompiledRule[] = [];
        for (let i = 1; i < requestParserResult.length; i += 1) rules.push(...limiter.global);
        const verdict = await limiter.charge(rules, state.caller);
        report(state, verdict);
        if (!verdict.ok) throw verdict.error;
      },
    };
  };

  const plugin: Plugin = {
    onRequest,
    onRequestParse,
    onContextBuilding({ context, extendContext }) {
      const request = (context as TributaryContext).request;
      const state = request ? states.get(request) : undefined;
      if (!state) return;
      const extension: Partial<TributaryContext> = { principal: state.principal, [STATE]: state };
      if (options.needsGate) extension.upstreamGate = createGate(state);
      extendContext(extension as never);
    },
    onResponse({ request, response }) {
      const headers = states.get(request)?.rateHeaders;
      if (headers) for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
    },
  };

  function createGate(state: RequestState): NonNullable<TributaryContext['upstreamGate']> {
    const charges = new Map<string, Promise<void>>();
    return function upstreamGate(source): UpstreamGateResult | Promise<UpstreamGateResult> {
      state.touched.add(source);
      if (authenticator?.sourcesRequiringAuth.has(source) && state.principal === undefined) throw authenticator.missing();
      const rules = limiter?.bySource.get(source);
      const set = headerRules.get(source)?.(state.principal);
      if (!rules) return set;
      // Once per request and source, however many fields call it (and concurrently).
      let charged = charges.get(source);
      if (!charged) {
        charged = limiter!.charge(rules, state.caller).then((verdict) => {
          report(state, verdict);
          if (!verdict.ok) throw verdict.error;
        });
        charges.set(source, charged);
      }
      return charged.then(() => set);
    };
  }

  if (!fieldRules) return [plugin];
  const counted = new WeakMap<DocumentNode, Map<string, number>>();
  return [
    plugin,
    {
      async onExecute({ args, setResultAndStopExecution }) {
        const state = requestStateOf(args.contextValue as unknown as TributaryContext);
        if (!state) return;
        let selected = counted.get(args.document);
        if (!selected) {
          selected = selectedCoordinates(args.schema, args.document, args.operationName ?? undefined, fieldRules);
          counted.set(args.document, selected);
        }
        const rules: CompiledRule[] = [];
        for (const [coordinate, times] of selected) for (const rule of fieldRules.get(coordinate)!) for (let i = 0; i < times; i += 1) rules.push(rule);
        if (rules.length === 0) return;
        const verdict = await limiter!.charge(rules, state.caller);
        report(state, verdict);
        if (!verdict.ok) {
          const error = verdict.error;
          const { http, ...extensions } = error.extensions;
          setResultAndStopExecution({ errors: [new GraphQLError(error.message, { extensions: { ...extensions, code: error.code, http: http as never } })] });
          return;
        }
      },
    },
  ];
}

/** How often each rate-limited coordinate is selected by the operation (fragments followed). */
function selectedCoordinates(schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined, rules: ReadonlyMap<string, unknown>): Map<string, number> {
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
