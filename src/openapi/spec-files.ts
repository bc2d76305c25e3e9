// The local files a spec is made of: every file of a spec folder, or the entry document
// and the files its relative `$ref`s name (transitively). Live reload watches them and
// the load cache (robust-load.ts) stamps them, so that editing any of them is noticed.
// A text scan rather than a parse: it must be cheap enough to run on every reload, and a
// `$ref` it over-reports costs one more watched file.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { SpecLocation } from './locate.ts';

const MAX_FILES = 500;
const REF = /["']?\$ref["']?\s*:\s*["']?([^"'#\s,}]+)/g;

async function folderFiles(folder: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(dir: string, depth: number): Promise<void> {
    if (depth > 5 || out.length >= MAX_FILES) return;
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) await walk(full, depth + 1);
      else if (/\.(json|ya?ml)$/i.test(e.name)) out.push(full);
    }
  }
  await walk(folder, 0);
  return out.sort();
}

export async function specFiles(location: SpecLocation): Promise<string[]> {
  if (location.isUrl) return [];
  if (location.folder) return folderFiles(location.folder);
  const seen = new Set<string>([location.entry]);
  const queue = [location.entry];
  while (queue.length && seen.size < MAX_FILES) {
    const file = queue.shift()!;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue; // a missing referenced file: sanitize.ts reports it
    }
    for (const match of text.matchAll(REF)) {
      const target = match[1];
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // URLs
      const full = path.resolve(path.dirname(file), decodeURI(target));
      if (!seen.has(full)) {
        seen.add(full);
        queue.push(full);
      }
    }
  }
  return [...seen];
}

/** Changes whenever any of the files changes (size or modification time). */
export async function filesStamp(files: readonly string[]): Promise<string> {
  const parts = await Promise.all(
    files.map(async (f) => {
      try {
        const s = await stat(f);
        return `${f}:${s.size}:${s.mtimeMs}`;
      } catch {
        return `${f}:missing`;
      }
    }),
  );
  return parts.join('|');
}
