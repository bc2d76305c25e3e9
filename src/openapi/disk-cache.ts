// The loader's output kept on disk between process starts, like Mesh's `mesh build`
// artifact but automatic: a gateway restart (or a new replica) with unchanged spec
// files skips Mesh's OpenAPI loader and its worker thread, which for a Stripe-sized
// document is most of the start-up time and a few hundred MB. The key is a hash of the
// spec files' contents, the source's options, the loader's version and Tributary's own
// repair code, so an edit or an upgrade is a miss. A cache that cannot be read or written is a miss, never an error.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Bump when what is stored changes meaning. */
const FORMAT = 3;
const LOADER_VERSION = (createRequire(import.meta.url)('@omnigraph/openapi/package.json') as { version: string }).version;

let ownCode: Promise<string> | undefined;
/**
 * A hash of this folder's own modules — the repairs, the sanitizer, the loader thread —
 * so that a Tributary upgrade that repairs documents differently is a miss, without
 * anyone remembering to bump a number.
 */
function ownCodeHash(): Promise<string> {
  ownCode ??= (async () => {
    const dir = path.dirname(fileURLToPath(import.meta.url));
    const hash = createHash('sha256');
    for (const name of (await readdir(dir)).filter((n) => /\.(ts|js)$/.test(n)).sort()) hash.update(name).update(await readFile(path.join(dir, name)));
    return hash.digest('hex');
  })();
  return ownCode;
}

export async function diskCacheKey(files: readonly string[], options: unknown): Promise<string> {
  const hash = createHash('sha256').update(JSON.stringify([FORMAT, LOADER_VERSION, await ownCodeHash(), options]));
  for (const file of [...files].sort()) {
    hash.update(file).update('\0');
    hash.update(await readFile(file).catch(() => 'missing'));
  }
  return hash.digest('hex');
}

export async function readDiskCache<T>(dir: string, key: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path.join(dir, `${key}.json`), 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Writes started and not finished yet (diskCacheWritten). */
const pending = new Set<Promise<void>>();

/**
 * Resolves when every write started so far has finished. A load writes its entry after
 * it answers, so a process that stops right after its build (a gateway stopped within a
 * second of starting) would leave the entry half written (a `.tmp` the next start cannot
 * use) and load the document again.
 */
export async function diskCacheWritten(): Promise<void> {
  await Promise.all(pending);
}

export function writeDiskCache(dir: string, key: string, value: unknown): Promise<void> {
  const write = writeEntry(dir, key, value).finally(() => pending.delete(write));
  pending.add(write);
  return write;
}

async function writeEntry(dir: string, key: string, value: unknown): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    // Write then rename, so that a replica starting at the same moment never reads half a file.
    const tmp = path.join(dir, `${key}.${process.pid}.tmp`);
    await writeFile(tmp, JSON.stringify(value));
    await rename(tmp, path.join(dir, `${key}.json`));
  } catch {
    // Read-only folder or full disk: the next start loads the spec again.
  }
}
