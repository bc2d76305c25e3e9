// What a client may learn from an error. Tributary's own coded errors (TributaryError)
// keep their message and code — they were written for the client — while anything else
// is masked to "Unexpected error." and logged in full. Upstream URLs, headers and bodies
// are never in a TributaryError's message or extensions (they live in `detail`, logged).
import { GraphQLError } from 'graphql';
import { isAsyncIterable, maskError as yogaMaskError, type Plugin, type YogaMaskedErrorOpts } from 'graphql-yoga';
import { isTributaryError } from '../errors.ts';
import type { Logger } from '../observability/log.ts';

export function tributaryMaskedErrors(logger: Logger): YogaMaskedErrorOpts {
  return {
    errorMessage: 'Unexpected error.',
    // Never echo internals, even when NODE_ENV=development: a gateway in dev mode is
    // still often reachable by others.
    isDev: false,
    maskError(error, message) {
      const original = error instanceof GraphQLError ? error.originalError : error;
      if (isTributaryError(original)) {
        if (original.detail) logger.warn({ code: original.code, detail: original.detail }, original.message);
        const base = error instanceof GraphQLError ? error : undefined;
        return new GraphQLError(original.message, {
          nodes: base?.nodes,
          source: base?.source,
          positions: base?.positions,
          path: base?.path,
          extensions: { ...original.extensions, code: original.code },
        });
      }
      // A client that went away aborts every pending upstream call of its request: that
      // is expected (one debug line each), not a hundred logged "unexpected" errors.
      if ((original as Error | undefined)?.name === 'AbortError') logger.debug({ err: original }, 'request aborted by the client');
      else if (!(error instanceof GraphQLError) || error.originalError) logger.error({ err: original }, 'unexpected error while executing a request');
      return yogaMaskError(error, message, false);
    },
  };
}

/**
 * The same masking for the parts of an incremental answer (@defer, @stream): Yoga's
 * masking (envelop's useMaskedErrors) reaches a payload's top-level `errors` only, while
 * each deferred fragment or streamed item carries its own in `incremental[].errors` —
 * unmasked, they would show an unexpected error's message and a coded one's lack of code.
 * Runs on each payload as it is sent, after the plugins that code errors.
 */
export function useIncrementalMasking(masking: YogaMaskedErrorOpts): Plugin {
  const message = masking.errorMessage ?? 'Unexpected error.';
  const mask = (error: GraphQLError) => (masking.maskError ?? yogaMaskError)(error, message, false) as GraphQLError;
  const parts: OnExecuteDone = {
    onExecuteDone({ result }) {
      if (!isAsyncIterable(result)) return;
      return {
        onNext({ result: payload, setResult }) {
          const incremental = (payload as { incremental?: ReadonlyArray<{ errors?: readonly GraphQLError[] }> }).incremental;
          if (!incremental?.some((part) => part.errors?.length)) return;
          setResult({ ...payload, incremental: incremental.map((part) => (part.errors?.length ? { ...part, errors: part.errors.map(mask) } : part)) } as never);
        },
      };
    },
  };
  // The same hooks object for every request: nothing is allocated for a plain answer.
  return { onExecute: () => parts };
}

type OnExecuteDone = Exclude<ReturnType<NonNullable<Plugin['onExecute']>>, void | Promise<unknown>>;
