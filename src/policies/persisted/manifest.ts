// The trusted documents of one generation, from the manifest named in
// `tributary.policies.persistedDocuments.manifest`. It is read on every build (start and
// each reload), so a reload serves the manifest as it is then; each document is hashed
// with SHA-256 and parsed here once, so a request naming one costs a map lookup, and
// the parsed document is the same object on every request (Yoga's validation cache and
// the executor's plans are keyed by it: validated and compiled once per schema).
//
// Formats, told apart by shape:
// - `{ "<id>": "<document>" }`: GraphQL Codegen's client preset (persisted-documents.json,
//   ids are hashes) and Relay's persisted_queries.json (ids are often MD5 or custom).
// - Apollo's persisted-query manifest: `{ "format": "apollo-persisted-query-manifest",
//   "version": 1, "operations": [{ "id", "body", "name", "type" }] }`.
// An id is looked up as written. An id that claims to be a SHA-256 (64 hex digits, bare
// or as `sha256:<hex>`) must be the SHA-256 of its document, or the manifest is refused;
// any other id (MD5, SHA-1, a name) is kept as an opaque document id. Every document is
// also found by its own SHA-256, whatever its id: that is what Apollo's persisted-query
// extension and a plain query matched against the manifest look up.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { GraphQLError, parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { PersistedDocumentsSettings } from '../../config/policies.ts';
import { TributaryError } from '../../errors.ts';

export interface TrustedDocument {
  /** The id the manifest gives it. */
  readonly id: string;
  /** SHA-256 of `text`, lower-case hex. */
  readonly sha256: string;
  readonly text: string;
  readonly document: DocumentNode;
}

export interface TrustedDocuments {
  /** The manifest's file or URL, for messages. */
  readonly shownAs: string;
  readonly size: number;
  /** A GraphQL-over-HTTP `documentId`: the manifest's id, `sha256:<hex>`, or the bare hex. */
  byId(id: string): TrustedDocument | undefined;
  bySha256(hex: string): TrustedDocument | undefined;
  /** Every document once. */
  all(): Iterable<TrustedDocument>;
}

const SHA256 = /^(?:sha256:)?([0-9a-fA-F]{64})$/;
const MAX_PROBLEMS = 10;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Reads, checks and parses the manifest; every problem is a CONFIG_INVALID naming the manifest and the id. */
export async function loadTrustedDocuments(settings: PersistedDocumentsSettings, dir: string, where: string): Promise<TrustedDocuments> {
  const isUrl = /^https?:\/\//i.test(settings.manifest);
  const shownAs = isUrl ? settings.manifest : path.resolve(dir, settings.manifest);
  const text = isUrl ? await fetchManifest(shownAs, settings.fetchTimeoutMs, where) : await readManifest(shownAs, where);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw invalid(`${where}.manifest: ${shownAs} is not JSON (${(error as Error).message})`);
  }
  const byId = new Map<string, TrustedDocument>();
  const bySha = new Map<string, TrustedDocument>();
  const problems: string[] = [];
  for (const [id, body] of entriesOf(raw, shownAs, where)) {
    if (typeof body !== 'string') {
      problems.push(`"${id}": expected the document as a string, found ${body === null ? 'null' : typeof body}`);
      continue;
    }
    const sha256 = sha256Hex(body);
    const claimed = SHA256.exec(id)?.[1]?.toLowerCase();
    if (claimed !== undefined && claimed !== sha256) {
      problems.push(`"${id}" looks like a SHA-256 but is not the SHA-256 of its document (that is ${sha256})`);
      continue;
    }
    let document: DocumentNode;
    try {
      document = parse(body);
    } catch (error) {
      problems.push(`"${id}" is not valid GraphQL: ${(error as Error).message}`);
      continue;
    }
    const entry: TrustedDocument = { id, sha256, text: body, document };
    byId.set(id, entry);
    if (!bySha.has(sha256)) bySha.set(sha256, entry);
  }
  if (problems.length > 0) {
    const shown = problems
      .slice(0, MAX_PROBLEMS)
      .map((p) => `\n  - ${p}`)
      .join('');
    const more = problems.length > MAX_PROBLEMS ? `\n  … and ${problems.length - MAX_PROBLEMS} more` : '';
    throw invalid(`${where}.manifest: ${shownAs}: ${problems.length} document${problems.length > 1 ? 's' : ''} refused:${shown}${more}`);
  }
  return {
    shownAs,
    size: byId.size,
    byId(id) {
      const found = byId.get(id);
      if (found) return found;
      const hex = SHA256.exec(id)?.[1];
      return hex === undefined ? undefined : bySha.get(hex.toLowerCase());
    },
    bySha256: (hex) => bySha.get(hex.toLowerCase()),
    all: () => new Set(byId.values()),
  };
}

/**
 * The documents that do not validate against `schema` (as a request would find, with
 * graphql-js's rules): a manifest built for another version of the API. They stay in
 * the manifest — a request for one gets the validation error — but the operator hears of
 * them at load, not from a client.
 */
export function unservableDocuments(documents: TrustedDocuments, schema: GraphQLSchema): Array<{ id: string; problem: string }> {
  const out: Array<{ id: string; problem: string }> = [];
  for (const doc of documents.all()) {
    const errors: readonly GraphQLError[] = validate(schema, doc.document);
    if (errors.length > 0) out.push({ id: doc.id, problem: errors[0]!.message });
  }
  return out;
}

function entriesOf(raw: unknown, shownAs: string, where: string): Array<[string, unknown]> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw invalid(
      `${where}.manifest: ${shownAs}: expected a JSON object ({ "<id>": "<document>" } or an Apollo persisted-query manifest), found ${Array.isArray(raw) ? 'a list' : raw === null ? 'null' : typeof raw}`,
    );
  }
  const object = raw as Record<string, unknown>;
  if (object.format !== 'apollo-persisted-query-manifest') return Object.entries(object);
  if (object.version !== 1)
    throw invalid(`${where}.manifest: ${shownAs}: Apollo persisted-query manifest version ${JSON.stringify(object.version)} is not supported (expected 1)`);
  if (!Array.isArray(object.operations)) throw invalid(`${where}.manifest: ${shownAs}: expected "operations" to be a list`);
  return object.operations.map((op: unknown, i: number): [string, unknown] => {
    const { id, body } = (op ?? {}) as { id?: unknown; body?: unknown };
    if (typeof id !== 'string' || id === '') throw invalid(`${where}.manifest: ${shownAs}: operations[${i}] has no string "id"`);
    return [id, body];
  });
}

async function readManifest(file: string, where: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw invalid(`${where}.manifest: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

// Not an upstream call (nothing a request asked for, and no source's rules apply): the
// manifest is part of the config, fetched once per build like a source's OpenAPI URL.
async function fetchManifest(url: string, timeoutMs: number, where: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
  } catch (error) {
    const reason =
      (error as Error).name === 'TimeoutError'
        ? `no answer within ${timeoutMs} ms`
        : (((error as Error).cause as Error | undefined)?.message ?? (error as Error).message);
    throw invalid(`${where}.manifest: cannot fetch ${url} (${reason})`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw invalid(`${where}.manifest: fetching ${url} answered HTTP ${response.status}`);
  }
  return response.text();
}

function invalid(message: string): TributaryError {
  return new TributaryError('CONFIG_INVALID', message);
}
