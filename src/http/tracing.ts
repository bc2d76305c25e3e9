// The spans of a /graphql request: a server span continuing the client's trace (W3C
// traceparent/tracestate), and within it graphql.parse, graphql.validate and
// graphql.execute. Yoga's instrumentation wraps each phase whole, so the span of a phase
// is current while it runs: the fields' upstream calls and link batches made during
// execution are children of graphql.execute (observability/tracing-channels.ts), whichever
// executor runs it (http/jit.ts replaces the execute function inside this wrap).
// Added only when tracing is on (gateway.ts); OpenTelemetry stays behind `Tracing`.
import { getOperationAST, type ExecutionResult, type GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { scopeOf } from '../context.ts';
import { isTributaryError } from '../errors.ts';
import { methodAttributes, serverSpanName, type TraceSpan, type Tracing } from '../observability/tracing.ts';

/** Probes (http/health.ts) are not traced: an orchestrator asks every few seconds. */
const PROBES = new Set(['/healthz', '/readyz']);

export function useTracing(tracing: Pick<Tracing, 'server' | 'child'>): Plugin {
  let graphqlPath = '/graphql';
  const servers = new WeakMap<Request, TraceSpan>();
  // By the envelop context of one operation: the hooks below see the same object.
  const validating = new WeakMap<object, TraceSpan>();
  const executing = new WeakMap<object, TraceSpan>();

  /** Runs one phase inside its span; a throw fails the span with `failure` (or the error's class). */
  const around = (name: string, run: () => void, failure?: string, register?: (span: TraceSpan) => void): void => {
    const span = tracing.child(name, 'internal', {});
    register?.(span);
    try {
      span.run(run);
    } catch (error) {
      span.fail(failure ?? errorType(error));
      throw error;
    } finally {
      span.end();
    }
  };

  return {
    onYogaInit({ yoga }) {
      graphqlPath = yoga.graphqlEndpoint;
    },
    instrumentation: {
      async request({ request }, wrapped) {
        const path = pathOf(request.url);
        if (PROBES.has(path)) return wrapped();
        const route = path === graphqlPath ? graphqlPath : undefined;
        const method = request.method;
        const span = tracing.server(serverSpanName(method, route), (name) => request.headers.get(name) ?? undefined, {
          ...methodAttributes(method),
          ...(route ? { 'http.route': route } : {}),
        });
        servers.set(request, span);
        try {
          await span.run(wrapped);
        } catch (error) {
          span.fail(errorType(error));
          throw error;
        } finally {
          span.end();
        }
      },
      parse(_payload, wrapped) {
        around('graphql.parse', wrapped, 'GRAPHQL_PARSE_FAILED');
      },
      validate({ context }, wrapped) {
        // Registered before the hooks run, so that onValidate's end finds it.
        around('graphql.validate', wrapped, undefined, (span) => validating.set(context, span));
      },
      async execute({ context }, wrapped) {
        const span = tracing.child('graphql.execute', 'internal', {});
        executing.set(context, span);
        try {
          await span.run(wrapped);
        } catch (error) {
          span.fail(errorType(error));
          throw error;
        } finally {
          span.end();
        }
      },
    },
    onValidate({ context }) {
      return ({ valid }) => {
        if (!valid) validating.get(context)?.fail('GRAPHQL_VALIDATION_FAILED');
      };
    },
    onExecute({ args }) {
      const span = executing.get(args.contextValue as object);
      if (!span) return;
      const operation = getOperationAST(args.document, args.operationName ?? undefined);
      const attributes = {
        'graphql.operation.type': operation?.operation ?? 'unknown',
        ...(operation?.name ? { 'graphql.operation.name': operation.name.value } : {}),
      };
      span.set(attributes);
      const request = (args.contextValue as { request?: Request }).request;
      if (request) servers.get(request)?.set(attributes);
      return {
        onExecuteDone({ result }) {
          const first = (result as ExecutionResult).errors?.[0];
          if (first) span.fail(codeOf(first));
        },
      };
    },
    onResponse({ request, response }) {
      const span = servers.get(request);
      if (!span) return;
      span.set({ 'http.response.status_code': response.status, 'tributary.request_id': scopeOf(request).requestId });
      if (response.status >= 500) span.fail(String(response.status));
    },
  };
}

function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start === -1) return '/';
  const end = url.slice(start).search(/[?#]/);
  return end === -1 ? url.slice(start) : url.slice(start, start + end);
}

/** An uncoded failure by its class name only: its message may carry an upstream URL. */
function errorType(error: unknown): string {
  return error instanceof Error ? error.name : '_OTHER';
}

/** A field error's code: the one it carries, else its cause's (codes are put on extensions only when the answer is rendered). */
function codeOf(error: GraphQLError): string {
  const code = error.extensions?.code;
  if (typeof code === 'string') return code;
  return isTributaryError(error.originalError) ? error.originalError.code : 'GRAPHQL_ERROR';
}
