// `sources list`: what the config serves, one source a line — name, document, endpoint,
// as the config writes them ({env.X} unresolved: this is what to edit) — for a person,
// or with --json for a script. The config is validated as at start; nothing is loaded.
import path from 'node:path';
import { loadConfig } from '../config/load.ts';

export interface ListedSource {
  name: string;
  /** handler.openapi.source; for another handler, its name in parentheses (start refuses it). */
  document: string;
  /** handler.openapi.endpoint; null when the document's first server is used. */
  endpoint: string | null;
}

export async function listSources(configFile: string): Promise<{ config: string; sources: ListedSource[] }> {
  const config = await loadConfig(configFile);
  const sources = config.mesh.sources.map((s): ListedSource => {
    const openapi = s.handler.openapi as { source?: unknown; endpoint?: unknown } | undefined;
    return {
      name: s.name,
      document: typeof openapi?.source === 'string' ? openapi.source : `(${Object.keys(s.handler).join(', ')} handler)`,
      endpoint: typeof openapi?.endpoint === 'string' ? openapi.endpoint : null,
    };
  });
  return { config: config.file, sources };
}

export async function sourcesList(opts: { config: string; json?: boolean }): Promise<void> {
  const listed = await listSources(opts.config);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(listed)}\n`);
    return;
  }
  if (!listed.sources.length) {
    console.error(`${path.relative(process.cwd(), listed.config) || listed.config} has no sources; \`tributary sources add <name> <spec>\` adds one.`);
    return;
  }
  // Columns for reading; fields never hold spaces except a non-OpenAPI handler's note,
  // so `awk '{print $1}'` still gets the names. "-": the document's first server.
  const width = (pick: (s: ListedSource) => string) => Math.max(...listed.sources.map((s) => pick(s).length));
  const nameWidth = width((s) => s.name);
  const documentWidth = width((s) => s.document);
  for (const s of listed.sources) console.log(`${s.name.padEnd(nameWidth)}  ${s.document.padEnd(documentWidth)}  ${s.endpoint ?? '-'}`);
}
