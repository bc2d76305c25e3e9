// The loader's output kept on disk between process starts, like Mesh's `mesh build`
// artifact but automatic: a gateway restart (or a new replica) with unchanged spec
// files skips Mesh's OpenAPI loader and its worker thread, which for a Stripe-sized
// document is most of the start-up time and a few hundred MB. The key is a hash of the
// spec files' contents, the source's options and the loader's version, so an edit or an
// upgrade is a miss. A cache that cannot be read or written is a miss, never an error.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Bump when what is stored (or how Tributary repairs specs) changes meaning. */
const FORMAT = 2;
const LOADER_VERSION = (createRequire(import.meta.url)('@omnigraph/openapi/package.json') as { version: string }).version;

export async function diskCacheKey(files: readonly string[], options: unknown): Promise<string> {
  const hash = createHash('sha256').update(JSON.stringify([FORMAT, LOADER_VERSION, options]));
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

export async function writeDiskCache(dir: string, key: string, value: unknown): Promise<void> {
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
