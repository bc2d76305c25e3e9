// Persisted documents as a policy: a request may name its document instead of sending
// it, and a gateway may run only the documents it trusts.
// - trusted documents (a manifest, manifest.ts): `documentId` (GraphQL-over-HTTP
//   persisted documents), `extensions.persistedQuery.sha256Hash`, or a plain query whose
//   SHA-256 is in the manifest all run the manifest's document, parsed at load; with
//   trusted documents only, anything else is refused before it is parsed.
// - automatic persisted queries (Apollo's protocol): a hash alone runs the document
//   stored under it, or answers `PersistedQueryNotFound`, on which the client sends the
//   query with its hash; the hash is checked, and the query is stored once it has passed
//   validation (a document that does not parse, validate or fit the limits is never
//   stored). The store is the policies' key-value store (memory LRU or Redis); when it
//   fails, a lookup is a miss and a write is skipped, so the client falls back to
//   sending its query and nothing fails.
// Everything happens in `onParams`, before Yoga checks the parameters (a `documentId`
// would be an unexpected one) and before anything reads the query: parsing and its
// token limit, validation and its limits, the rate limits' field rules, the cache key.
import { GraphQLError, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { ErrorCode } from '../../errors.ts';
import type { Logger } from '../../observability/log.ts';
import { storeErrors } from '../../observability/metrics.ts';
import type { KvStore } from '../cache/kv.ts';
import { markRefusal } from '../policy-errors.ts';
import type { Policy } from '../policy.ts';
import { sha256Hex, type TrustedDocument, type TrustedDocuments } from './manifest.ts';

export interface PersistedDocumentsDeps {
  /** The trusted documents of the generation serving now; undefined without a manifest. */
  readonly trusted: () => TrustedDocuments | undefined;
  /** Only documents in the manifest run. */
  readonly trustedOnly: boolean;
  /** Automatic persisted queries; absent when they are off. */
  readonly apq?: { readonly store: KvStore; readonly prefix: string; readonly ttlMs: number };
  readonly logger: Logger;
}

interface Params {
  query?: unknown;
  operationName?: string;
  variables?: Record<string, unknown>;
  extensions?: Record<string, unknown>;
  documentId?: unknown;
}

const HASH = /^[0-9a-f]{64}$/;
/** Ids are echoed in messages: never more of one than this. */
const SHOWN = 80;

export function usePersistedDocuments(deps: PersistedDocumentsDeps): Policy {
  const { apq, trustedOnly, logger } = deps;
  // Per request (the context lives exactly as long as it): what onParams decided for the later hooks.
  const parsed = new WeakMap<object, DocumentNode>();
  const toStore = new WeakMap<object, { hash: string; query: string }>();

  const lookup = async (hash: string): Promise<string | undefined> => {
    try {
      return (await apq!.store.mget([apq!.prefix + hash]))[0];
    } catch (error) {
      storeErrors.inc({ policy: 'apq', outcome: 'bypassed' });
      logger.debug({ err: error }, 'persisted query store failed; answering as not found, the client sends its query');
      return undefined;
    }
  };

  const plugin: Plugin = {
    onParams({ params: sent, request, setParams, context }) {
      const params = sent as Params;
      const trusted = deps.trusted();
      const query = typeof params.query === 'string' ? params.query : undefined;
      const serve = (doc: TrustedDocument) => {
        const { documentId: _id, ...rest } = params;
        setParams({ ...rest, query: doc.text } as never);
        parsed.set(context, doc.document);
      };

      const documentId = documentIdOf(params, request);
      if (documentId !== undefined) {
        if (query !== undefined) throw refusal('BAD_REQUEST', 'Send either "documentId" or "query", not both.');
        const doc = trusted?.byId(documentId);
        if (!doc)
          throw refusal(
            'PERSISTED_DOCUMENT_NOT_FOUND',
            `No trusted document has the id "${documentId.slice(0, SHOWN)}"${trusted ? '' : ' (this gateway has no manifest: tributary.policies.persistedDocuments)'}.`,
          );
        return serve(doc);
      }

      const persisted = params.extensions?.persistedQuery;
      if (persisted !== undefined) {
        const hash = hashOf(persisted);
        if (query !== undefined && sha256Hex(query) !== hash)
          throw refusal('PERSISTED_QUERY_HASH_MISMATCH', 'extensions.persistedQuery.sha256Hash is not the SHA-256 of the query sent with it.');
        const doc = trusted?.bySha256(hash);
        if (doc) return serve(doc);
        if (trustedOnly) {
          if (query !== undefined) throw notAllowed();
          throw refusal('PERSISTED_DOCUMENT_NOT_FOUND', `No trusted document has the SHA-256 "${hash}"; this gateway runs trusted documents only.`);
        }
        if (query !== undefined) {
          if (apq) toStore.set(context, { hash, query });
          return;
        }
        // Apollo Client matches these messages (and codes) to decide to send the query.
        if (!apq) throw refusal('PERSISTED_QUERY_NOT_SUPPORTED', 'PersistedQueryNotSupported');
        return lookup(hash).then((stored) => {
          if (stored === undefined) throw refusal('PERSISTED_QUERY_NOT_FOUND', 'PersistedQueryNotFound', { 'cache-control': 'no-store' });
          setParams({ ...params, query: stored } as never);
        });
      }

      // Trusted documents only, and no manifest (a reload dropped it): nothing is trusted.
      if (query !== undefined && (trusted || trustedOnly)) {
        const doc = trusted?.bySha256(sha256Hex(query));
        if (doc) return serve(doc);
        if (trustedOnly) throw notAllowed();
      }
    },
    onParse({ context, setParsedDocument }) {
      const document = parsed.get(context);
      if (document) setParsedDocument(document);
    },
    onValidate({ context }) {
      const pending = toStore.get(context);
      if (!pending) return;
      return ({ valid }) => {
        if (!valid) return;
        apq!.store.set(apq!.prefix + pending.hash, pending.query, apq!.ttlMs).catch((error: unknown) => {
          storeErrors.inc({ policy: 'apq', outcome: 'bypassed' });
          logger.debug({ err: error }, 'persisted query store failed; the query ran but was not stored');
        });
      };
    },
  };
  return { name: 'persisted documents', graphql: [plugin] };
}

/** `documentId` from a JSON body, or from the query string of a GET (Yoga's GET parser drops unknown parameters). */
function documentIdOf(params: Params, request: Request): string | undefined {
  let id = params.documentId;
  if (id === undefined && request.method === 'GET' && request.url.includes('documentId='))
    id = new URL(request.url, 'http://localhost').searchParams.get('documentId') ?? undefined;
  if (id === undefined || id === null) return undefined;
  if (typeof id !== 'string' || id === '')
    throw refusal('BAD_REQUEST', `"documentId" must be a non-empty string, found ${JSON.stringify(id).slice(0, SHOWN)}.`);
  return id;
}

/** Apollo's extension: `{ version: 1, sha256Hash: "<64 hex>" }`, hex in either case. */
function hashOf(persisted: unknown): string {
  const { version, sha256Hash } = (persisted ?? {}) as { version?: unknown; sha256Hash?: unknown };
  if (version !== 1)
    throw refusal('PERSISTED_QUERY_HASH_MISMATCH', `extensions.persistedQuery.version must be 1, found ${JSON.stringify(version)?.slice(0, SHOWN)}.`);
  const hash = typeof sha256Hash === 'string' ? sha256Hash.toLowerCase() : undefined;
  if (hash === undefined || !HASH.test(hash))
    throw refusal('PERSISTED_QUERY_HASH_MISMATCH', 'extensions.persistedQuery.sha256Hash must be a SHA-256 in hex (64 digits).');
  return hash;
}

function notAllowed(): GraphQLError {
  return refusal(
    'PERSISTED_DOCUMENT_NOT_ALLOWED',
    'This gateway runs trusted documents only, and this document is not in its manifest; send its documentId or its hash.',
  );
}

function refusal(code: ErrorCode, message: string, headers?: Readonly<Record<string, string>>): GraphQLError {
  const error = new GraphQLError(message);
  markRefusal(error, code, {}, headers);
  return error;
}
