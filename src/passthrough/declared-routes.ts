// Matching a request against a source's declared operations (declared.ts), precompiled
// into a segment trie once per generation: a request walks its own segments, never the
// list of templates, and no template is a regular expression.
//
// Rules (OpenAPI 3.1 §4.8.8 "Paths Object", RFC 3986):
//  - `{param}` matches exactly one non-empty segment; a segment mixing text and
//    parameters (`report.{format}`, `{name}:cancel`) matches when its text parts are
//    there and every parameter is non-empty. An encoded `/` never reaches this point
//    (path.ts refuses it), so a parameter can never swallow two segments.
//  - Literal text compares byte for byte with the request's segment, both in the normal
//    form path.ts writes (unreserved characters decoded, the rest upper-case `%XX`).
//  - A trailing `/` is a segment of its own: `/items/` is not `/items` (RFC 3986 §6.2.3
//    does not equate them, and services route them differently).
//  - Concrete paths win over templated ones (OpenAPI "Path Templating Matching"):
//    at each segment a literal is tried before mixed text, and that before a bare `{param}`.
//  - The query or fragment part of a key pins query parameters or headers (declared.ts).
//  - HEAD is allowed wherever GET is declared (RFC 9110 §9.3.2: same answer, no body).
//  - OPTIONS is allowed on a declared path: it is how browsers preflight the methods
//    declared there (Fetch standard, CORS-preflight fetch). A preflight that asks for a
//    method the path does not declare gets the same 405 that method would get.
import type { Logger } from '../observability/log.ts';
import type { Constraint, DeclaredOperation } from './declared.ts';
import { canonicalPathText } from './path.ts';

export type RouteMatch =
  /** Forward; `operation` is undefined for an OPTIONS request, which names no operation. */
  | { readonly kind: 'declared'; readonly label: string; readonly operation: DeclaredOperation | undefined }
  /** The path is declared, for other methods only (RFC 9110 §15.5.6: answer 405 with Allow). */
  | { readonly kind: 'method'; readonly allow: readonly string[] }
  | { readonly kind: 'undeclared' };

export interface RequestFacts {
  readonly method: string;
  /** The path as path.ts wrote it: starts with `/`, no query. */
  readonly path: string;
  /** The raw query after `?`, or undefined when there is none. */
  readonly query: string | undefined;
  header(name: string): string | undefined;
}

export interface DeclaredRoutes {
  match(request: RequestFacts): RouteMatch;
}

/** One part of a mixed segment: literal text, or a parameter (null). */
type Piece = string | null;

interface Node {
  readonly literal: Map<string, Node>;
  readonly mixed: Array<{ readonly key: string; readonly pieces: readonly Piece[]; readonly node: Node }>;
  param: Node | undefined;
  /** Operations whose template ends here, most constrained first. */
  readonly operations: DeclaredOperation[];
}

const node = (): Node => ({ literal: new Map(), mixed: [], param: undefined, operations: [] });

export function compileDeclaredRoutes(operations: readonly DeclaredOperation[], logger?: Logger): DeclaredRoutes {
  const root = node();
  for (const operation of operations) {
    const segments = segmentsOf(operation.template);
    if (segments === undefined) {
      logger?.warn({ source: operation.source, operation: operation.label }, 'declared path cannot be matched safely; the passthrough will not forward it');
      continue;
    }
    let at = root;
    for (const pieces of segments) at = childFor(at, pieces);
    at.operations.push(operation);
  }
  sortOperations(root);

  return {
    match(request) {
      const segments = request.path.slice(1).split('/');
      let params: URLSearchParams | undefined;
      const facts = {
        query: () => (params ??= new URLSearchParams(request.query ?? '')),
        header: request.header,
      };
      const allow = new Set<string>();
      let methodSeen = false;
      for (const end of walk(root, segments, 0)) {
        if (request.method === 'OPTIONS') {
          const asked = request.header('access-control-request-method');
          if (asked === undefined || end.operations.some((op) => answers(op, asked.trim()))) {
            return { kind: 'declared', label: `OPTIONS ${end.operations[0]!.template.split(/[?#]/, 1)[0]}`, operation: undefined };
          }
        } else {
          const candidates = end.operations.filter((op) => answers(op, request.method));
          if (candidates.length > 0) methodSeen = true;
          const chosen = candidates.find((op) => satisfied(op, facts));
          if (chosen !== undefined) return { kind: 'declared', label: chosen.label, operation: chosen };
        }
        for (const op of end.operations) allow.add(op.method);
      }
      // The method is declared there but the request misses what the key pins: that
      // operation is not declared, whatever else is.
      if (methodSeen || allow.size === 0) return { kind: 'undeclared' };
      if (allow.has('GET')) allow.add('HEAD');
      allow.add('OPTIONS');
      return { kind: 'method', allow: [...allow] };
    },
  };
}

/** HEAD is answered by an explicit HEAD operation, else by GET's. */
function answers(op: DeclaredOperation, method: string): boolean {
  return op.method === method || (method === 'HEAD' && op.method === 'GET');
}

function satisfied(op: DeclaredOperation, facts: { query: () => URLSearchParams; header: (name: string) => string | undefined }): boolean {
  if (op.headers.length > 0 && !op.headers.every((c) => holds(c, facts.header(c.name) === undefined ? [] : [facts.header(c.name)!]))) return false;
  return op.query.length === 0 || op.query.every((c) => holds(c, facts.query().getAll(c.name)));
}

/** Present, and when a value is pinned, every occurrence has it: a repeated parameter is read either way by some server. */
function holds(constraint: Constraint, values: readonly string[]): boolean {
  if (values.length === 0) return false;
  return constraint.value === undefined || values.every((v) => v === constraint.value);
}

/** Ends reachable by `segments`, best first: literal, then mixed, then `{param}` at each depth. */
function* walk(at: Node, segments: readonly string[], depth: number): Generator<Node> {
  if (depth === segments.length) {
    if (at.operations.length > 0) yield at;
    return;
  }
  const segment = segments[depth]!;
  const literal = at.literal.get(segment);
  if (literal) yield* walk(literal, segments, depth + 1);
  for (const mixed of at.mixed) if (matchesPieces(mixed.pieces, segment, 0, 0)) yield* walk(mixed.node, segments, depth + 1);
  if (at.param && segment !== '') yield* walk(at.param, segments, depth + 1);
}

/** Whether `text` from `offset` is `pieces` from `index`, each parameter non-empty. */
function matchesPieces(pieces: readonly Piece[], text: string, index: number, offset: number): boolean {
  if (index === pieces.length) return offset === text.length;
  const piece = pieces[index]!;
  if (piece !== null) return text.startsWith(piece, offset) && matchesPieces(pieces, text, index + 1, offset + piece.length);
  // A parameter: try every non-empty length (segments are short; templates rarely have two).
  for (let end = offset + 1; end <= text.length; end += 1) if (matchesPieces(pieces, text, index + 1, end)) return true;
  return false;
}

function childFor(at: Node, pieces: readonly Piece[]): Node {
  if (pieces.length === 1 && pieces[0] === null) return (at.param ??= node());
  if (pieces.every((p) => p !== null)) {
    const text = pieces.join('');
    let next = at.literal.get(text);
    if (!next) at.literal.set(text, (next = node()));
    return next;
  }
  const key = JSON.stringify(pieces);
  let found = at.mixed.find((m) => m.key === key);
  if (!found) at.mixed.push((found = { key, pieces, node: node() }));
  return found.node;
}

/** The template's path as pieces per segment, literals in path.ts's normal form; undefined when a literal cannot be. */
function segmentsOf(template: string): Piece[][] | undefined {
  let path = template.split(/[?#]/, 1)[0]!;
  if (!path.startsWith('/')) path = `/${path}`;
  const out: Piece[][] = [];
  for (const segment of path.slice(1).split('/')) {
    const pieces: Piece[] = [];
    for (const part of segment.split(/(\{[^}]*\})/)) {
      if (part === '') continue;
      if (part.startsWith('{') && part.endsWith('}')) {
        // `{a}{b}` stays two parameters; a merged one would accept one character.
        pieces.push(null);
        continue;
      }
      const canonical = canonicalPathText(part);
      if (!canonical.ok) return undefined;
      pieces.push(canonical.path);
    }
    if (pieces.length === 0) pieces.push('');
    // Adjacent literals (`a` `b` around nothing) join into one.
    const merged: Piece[] = [];
    for (const p of pieces) {
      const last = merged[merged.length - 1];
      if (p !== null && typeof last === 'string') merged[merged.length - 1] = last + p;
      else merged.push(p);
    }
    // Dot-segments never survive path.ts, so a template holding one cannot match.
    if (merged.length === 1 && (merged[0] === '.' || merged[0] === '..')) return undefined;
    out.push(merged);
  }
  return out;
}

/** Most constrained first, so `/?Action=X` is chosen over a bare `/` for the same method. */
function sortOperations(at: Node): void {
  at.operations.sort((a, b) => b.query.length + b.headers.length - (a.query.length + a.headers.length));
  for (const child of at.literal.values()) sortOperations(child);
  for (const { node: child } of at.mixed) sortOperations(child);
  if (at.param) sortOperations(at.param);
}
