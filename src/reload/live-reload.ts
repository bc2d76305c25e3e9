// Live reload for `tributary dev` and `tributary start --watch`: when the config file,
// any local source document or the trusted-documents manifest changes, rebuild in the
// background and swap the schema atomically (gateway.reload(); requests in flight
// finish on the schema they started with), then print what changed. A change that
// breaks things keeps the last good schema: an invalid config, or a source that loaded
// before and no longer does, is reported and nothing is swapped — GraphQL Mesh would
// need a restart for any change.
import { EventEmitter } from 'node:events';
import path from 'node:path';
import type { Gateway } from '../gateway.ts';
import type { LoadedConfig } from '../config/load.ts';
import { interpolateEnv } from '../config/env.ts';
import { locateSpec } from '../openapi/locate.ts';
import { specFiles } from '../openapi/spec-files.ts';
import { diffSchemas, formatDiff, type SchemaDiff } from './diff.ts';
import { watchTargets, type FileWatcher, type WatchTargets } from './watch.ts';

export interface LiveReloadOptions {
  /** Where the reload summary and diff go (default: stdout). */
  print?: (text: string) => void;
  /** Where failures go (default: stderr). */
  printError?: (text: string) => void;
  debounceMs?: number;
}

export interface ReloadedEvent {
  diff: SchemaDiff;
  changed: string[];
  ms: number;
}

export interface FailedEvent {
  error: Error;
  changed: string[];
}

/** Emits 'reloaded' (ReloadedEvent) after a swap, 'failed' (FailedEvent) when the old schema was kept. */
export interface LiveReload extends EventEmitter {
  /** Runs one reload now, as if a watched file had changed (also used by tests). */
  trigger(changed?: string[]): Promise<void>;
  close(): void;
}

/** The files whose change should rebuild the schema, for a config. */
export async function reloadTargets(config: LoadedConfig): Promise<WatchTargets> {
  const files = [config.file];
  const folders: string[] = [];
  // The trusted-documents manifest is read by every build: a new one (a deploy writing it) reloads too.
  const manifest = config.tributary.policies.persistedDocuments?.manifest;
  if (manifest !== undefined && !/^https?:\/\//i.test(manifest)) files.push(path.resolve(config.dir, manifest));
  for (const source of config.mesh.sources) {
    const spec = source.handler.openapi?.source;
    if (typeof spec !== 'string') continue;
    try {
      const location = await locateSpec(interpolateEnv(spec), config.dir);
      if (location.isUrl) continue;
      const parts = await specFiles(location);
      if (location.folder) folders.push(...new Set(parts.map((f) => path.dirname(f))), location.folder);
      else files.push(...parts);
    } catch {
      // Missing now; watching its folder notices when it appears.
      if (!/^[a-z]+:\/\//i.test(spec)) folders.push(path.dirname(path.resolve(config.dir, spec)));
    }
  }
  return { files, folders };
}

export async function startLiveReload(gateway: Gateway, options: LiveReloadOptions): Promise<LiveReload> {
  const print = options.print ?? ((text: string) => console.log(text));
  const printError = options.printError ?? ((text: string) => console.error(text));
  const emitter = new EventEmitter() as LiveReload;
  let running: Promise<void> | undefined;
  let again: string[] | undefined;
  let closed = false;

  async function reloadOnce(changed: string[]): Promise<void> {
    const started = performance.now();
    const shown = changed.map((f) => path.relative(process.cwd(), f) || f).join(', ');
    try {
      const result = await gateway.reload();
      if (!result.ok) throw result.error;
      const diff = await diffSchemas(result.previous, result.next);
      const ms = Math.round(performance.now() - started);
      print(`Reloaded${shown ? ` after a change to ${shown}` : ''} in ${ms} ms: ${formatDiff(diff)}`);
      emitter.emit('reloaded', { diff, changed, ms } satisfies ReloadedEvent);
    } catch (error) {
      printError(
        `Reload failed${shown ? ` after a change to ${shown}` : ''}; still serving the previous schema:\n  ${(error as Error).message.replace(/\n/g, '\n  ')}`,
      );
      emitter.emit('failed', { error: error as Error, changed } satisfies FailedEvent);
    }
    if (!closed) watcher.update(await reloadTargets(gateway.current().config));
  }

  /** One reload at a time; changes during a reload are coalesced into one more. */
  function trigger(changed: string[] = []): Promise<void> {
    if (running) {
      again = [...(again ?? []), ...changed];
      return running;
    }
    running = (async () => {
      let next: string[] | undefined = changed;
      while (next && !closed) {
        await reloadOnce(next);
        next = again;
        again = undefined;
      }
      running = undefined;
    })();
    return running;
  }

  const watcher: FileWatcher = watchTargets(await reloadTargets(gateway.current().config), (changed) => void trigger(changed), options.debounceMs);
  emitter.trigger = trigger;
  emitter.close = () => {
    closed = true;
    watcher.close();
  };
  return emitter;
}
