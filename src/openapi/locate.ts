// Where a spec lives: a URL, a file, or a folder of files with relative `$ref`s (then
// the entry document is the one with a top-level `openapi`/`swagger` key). Relative
// paths resolve against the config file's folder, like every path in the config.
import { readdir, stat, open } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TributaryError } from '../errors.ts';

export interface SpecLocation {
  /** Absolute path or URL of the entry document, as given to the loader. */
  entry: string;
  /** Folder (or URL folder) that the entry's relative refs resolve against. */
  cwd: string;
  isUrl: boolean;
  /** The folder the user named, when the spec is a folder of files. */
  folder?: string;
  /** Size of the entry document in bytes (0 for URLs: unknown before fetching). */
  bytes: number;
}

const SPEC_FILE = /\.(json|ya?ml)$/i;
/** Entry names people use, best first; a tie among equally deep files goes to these. */
const PREFERRED = ['openapi', 'swagger', 'spec', 'api', 'index', 'main', 'root'];

async function head(file: string, bytes = 65_536): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** A top-level `openapi`/`swagger` key (OAS 3.x §4.8.1 / Swagger 2.0 §swagger) marks an entry document. */
function looksLikeEntry(text: string): boolean {
  return /^["']?(openapi|swagger)["']?\s*:/m.test(text) || /^\s*\{\s*"(openapi|swagger)"\s*:/.test(text) || /^\s{0,4}"(openapi|swagger)"\s*:\s*"/m.test(text);
}

async function findEntry(folder: string): Promise<string | undefined> {
  const candidates: Array<{ file: string; depth: number }> = [];
  async function walk(dir: string, depth: number): Promise<void> {
    if (depth > 3) return;
    const entries = await readdir(dir, { withFileTypes: true });
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) await walk(full, depth + 1);
      else if (SPEC_FILE.test(e.name) && looksLikeEntry(await head(full))) candidates.push({ file: full, depth });
    }
  }
  await walk(folder, 0);
  const rank = (file: string) => {
    const i = PREFERRED.indexOf(path.basename(file).replace(SPEC_FILE, '').toLowerCase());
    return i === -1 ? PREFERRED.length : i;
  };
  candidates.sort((a, b) => a.depth - b.depth || rank(a.file) - rank(b.file));
  return candidates[0]?.file;
}

export async function locateSpec(source: string, baseDir: string): Promise<SpecLocation> {
  if (/^https?:\/\//i.test(source)) {
    return { entry: source, cwd: new URL('.', source).href, isUrl: true, bytes: 0 };
  }
  const file = source.startsWith('file:') ? fileURLToPath(source) : path.resolve(baseDir, source);
  let info;
  try {
    info = await stat(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new TributaryError(
      'SOURCE_LOAD_FAILED',
      `cannot read OpenAPI document ${file} (${code})${path.isAbsolute(source) ? '' : `; "${source}" is resolved against ${baseDir}`}.`,
    );
  }
  if (!info.isDirectory()) return { entry: file, cwd: path.dirname(file), isUrl: false, bytes: info.size };
  const entry = await findEntry(file);
  if (!entry) {
    throw new TributaryError(
      'SOURCE_LOAD_FAILED',
      `folder ${file} holds no OpenAPI document: no .json/.yaml/.yml file (up to 3 folders deep) has a top-level "openapi" or "swagger" key.`,
    );
  }
  return { entry, cwd: path.dirname(entry), isUrl: false, folder: file, bytes: (await stat(entry)).size };
}
