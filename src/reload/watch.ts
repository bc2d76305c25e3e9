// Watches a set of files (and folders of multi-file specs) for changes, debounced: an
// editor's save is often several events (write, rename over, chmod), and a `git pull`
// touches many files at once; one rebuild should follow.
//
// Folders are watched rather than files, because editors and `sources add` save by
// writing a new file and renaming it over the old one, which ends a watch on the file.
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

export interface WatchTargets {
  /** Files whose change triggers (the config file, single-file specs and the files they $ref). */
  files: readonly string[];
  /** Folders in which any spec file's change triggers (multi-file spec folders and their subfolders). */
  folders: readonly string[];
}

export interface FileWatcher {
  /** Replaces what is watched (the config may have gained or lost sources). */
  update(targets: WatchTargets): void;
  close(): void;
}

export function watchTargets(targets: WatchTargets, onChange: (changed: string[]) => void, debounceMs = 100): FileWatcher {
  let watchers = new Map<string, FSWatcher>();
  let timer: NodeJS.Timeout | undefined;
  const pending = new Set<string>();

  const fire = () => {
    timer = undefined;
    const changed = [...pending];
    pending.clear();
    onChange(changed);
  };

  const open = ({ files, folders }: WatchTargets) => {
    const byDir = new Map<string, Set<string> | 'any'>();
    for (const folder of folders) byDir.set(path.resolve(folder), 'any');
    for (const file of files) {
      const dir = path.dirname(path.resolve(file));
      const entry = byDir.get(dir);
      if (entry === 'any') continue;
      byDir.set(dir, (entry ?? new Set<string>()).add(path.basename(file)));
    }
    const next = new Map<string, FSWatcher>();
    for (const [dir, names] of byDir) {
      try {
        const watcher = watch(dir, { persistent: false }, (_event, filename) => {
          const name = filename?.toString();
          if (!name) return;
          if (names === 'any' ? !/\.(json|ya?ml)$/i.test(name) : !names.has(name)) return;
          pending.add(path.join(dir, name));
          clearTimeout(timer);
          timer = setTimeout(fire, debounceMs);
        });
        watcher.on('error', () => watcher.close());
        next.set(dir, watcher);
      } catch {
        // A folder that does not exist (yet): the next successful reload re-targets.
      }
    }
    return next;
  };

  watchers = open(targets);
  return {
    update(targets) {
      for (const w of watchers.values()) w.close();
      watchers = open(targets);
    },
    close() {
      clearTimeout(timer);
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}
