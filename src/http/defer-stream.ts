// Incremental delivery: `@defer` on fragments and `@stream` on list fields, answered as
// Yoga speaks it — `multipart/mixed` (the GraphQL incremental-delivery-over-HTTP draft)
// or `text/event-stream`, whichever the client accepts — with an initial payload
// (`hasNext: true`) and then one payload per deferred fragment or streamed item, each
// with its own `data`/`items`, `path` and `errors`.
//
// Yoga's plugin brings the validation rules (labels unique, no @defer on a root
// mutation or subscription field, @stream only on lists); the directives themselves are
// declared by the schema build, so the plugin never copies the schema. Running them is
// the executor's part: graphql-jit cannot, so an operation that uses either directive
// runs on graphql-tools' executor (the one Yoga itself uses), chosen once per document
// by http/jit.ts's plan.
//
// A client that accepts neither streaming type (only JSON) gets the whole answer in one
// payload: the directives are a hint that a server may decline (the incremental
// delivery RFC lets it send deferred data in place), and running graphql-js — which does not know them
// and so delivers every fragment and item in place — costs the same upstream calls as
// deferring would, where refusing after execution (Yoga's empty 406) would waste them.
import { useDeferStream } from '@graphql-yoga/plugin-defer-stream';
import { Kind, visit, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import type { Plugin, YogaMaskedErrorOpts } from 'graphql-yoga';
import { scopeOf } from '../context.ts';
import { useIncrementalMasking } from './mask-errors.ts';

/**
 * The directives' validation rules, the error masking of the parts (mask-errors.ts), and
 * a mark on batched requests: Yoga answers a batch as one JSON array, which has no room
 * for parts, so each of its operations is answered whole.
 */
export function useIncrementalDelivery(masking: YogaMaskedErrorOpts): Plugin[] {
  const batches: Plugin = {
    onRequestParse({ request }) {
      return {
        onRequestParseDone({ requestParserResult }) {
          if (Array.isArray(requestParserResult)) scopeOf(request).memo.set(BATCHED, true);
        },
      };
    },
  };
  return [useDeferStream() as Plugin, useIncrementalMasking(masking), batches];
}

const BATCHED = 'incremental-delivery:batched';

/** Whether this request's @defer and @stream are delivered in parts (else the answer is whole). */
export function deliversIncrementally(request: Request | undefined): boolean {
  return request !== undefined && acceptsIncrementalDelivery(request) && !scopeOf(request).memo.has(BATCHED);
}

const INCREMENTAL = new Set(['defer', 'stream']);

/**
 * Whether `operation` — its own selections or any fragment it spreads, however deep —
 * carries `@defer` or `@stream`. `@defer(if: false)` counts too: whether it defers is
 * known per request (a variable may decide), the executor is chosen once per document.
 */
export function usesIncrementalDelivery(document: DocumentNode, operation: OperationDefinitionNode): boolean {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const pending: Array<OperationDefinitionNode | FragmentDefinitionNode> = [operation];
  const reached = new Set<string>();
  let found = false;
  while (!found && pending.length) {
    visit(pending.pop()!, {
      Directive(node) {
        if (INCREMENTAL.has(node.name.value)) found = true;
      },
      FragmentSpread(node) {
        const fragment = fragments.get(node.name.value);
        if (fragment && !reached.has(node.name.value)) {
          reached.add(node.name.value);
          pending.push(fragment);
        }
      },
    });
  }
  return found;
}

/** The streaming types Yoga answers in, as [type, subtype]. */
const STREAMING = [
  ['multipart', 'mixed'],
  ['text', 'event-stream'],
] as const;

/**
 * Whether the request's Accept header takes a streaming answer, as Yoga's result
 * processors read it: any listed type, wildcards included (`*\/*` too, as fetch() and
 * curl send), whose charset, if it names one, is utf-8. No header at all means `*\/*`.
 */
function acceptsIncrementalDelivery(request: Request): boolean {
  const accept = request.headers.get('accept');
  if (!accept) return true;
  for (const entry of accept.toLowerCase().split(',')) {
    const [range, ...params] = entry.split(';').map((p) => p.trim());
    const charset = params.find((p) => p.startsWith('charset='));
    if (!range || (charset && charset !== 'charset=utf-8')) continue;
    const [type, subtype] = range.split('/');
    if (STREAMING.some(([t, s]) => (type === '*' || type === t) && (subtype === '*' || subtype === s))) return true;
  }
  return false;
}
