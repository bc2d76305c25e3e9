// Messages between loader-thread.ts (main thread) and loader-worker.ts (worker thread).
import type { SpecWarning } from './spec-warning.ts';

export type LoaderRequest =
  | {
      type: 'prepare';
      id: number;
      name: string;
      /** Absolute file path or URL of the entry document. */
      source: string;
      /** Folder (or URL folder) relative refs resolve against. */
      cwd: string;
      /** The source's `handler.openapi` options, passed to Mesh as they are. */
      handler: Record<string, unknown>;
      /** Apply sanitize.ts repairs (off only to see what Mesh alone makes of a spec). */
      sanitize: boolean;
    }
  | {
      type: 'load';
      id: number;
      /** Operation pointers to keep; undefined keeps all. */
      include?: string[];
      /** Operation pointers whose schemas are replaced by the JSON scalar. */
      asJson: string[];
    }
  /** Forget the document (the thread goes back to the idle pool); no reply. */
  | { type: 'reset'; id: number };

export interface Prepared {
  warnings: SpecWarning[];
  referencedFiles: string[];
  operations: string[];
  version: string;
  /** GraphQL type names Mesh derives from components/definitions → their JSON pointers (schema-repairs.ts indexTypes). */
  typePointers: Array<[string, string]>;
}

export interface Loaded {
  /** The SDL as UTF-8 chunks, transferred (print-sdl.ts: sdlFromChunks reads them). */
  sdl: Uint8Array[];
  /** The long type names the SDL writes as aliases, by alias number (type-names.ts). */
  typeNames: string[];
  warnings: SpecWarning[];
}

export type LoaderPhase = 'read' | 'dereference' | 'generate';

export type LoaderReply =
  { type: 'done'; id: number; result: Prepared | Loaded } | { type: 'failed'; id: number; message: string } | { type: 'progress'; phase: LoaderPhase };

/** The text of a Loaded's SDL chunks (each ends between definitions, so each decodes on its own). */
export function sdlFromChunks(chunks: readonly Uint8Array[]): string {
  return chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength).toString('utf8')).join('');
}
