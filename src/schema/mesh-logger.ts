// Mesh's loaders log through their own Logger interface; this adapts it to ours so that
// loader warnings land in the gateway log (and in `sources check` warnings) instead of
// on stdout. Mesh's info-level chatter is demoted to debug.
import type { Logger } from '../observability/log.ts';

export interface MeshLogger {
  name?: string;
  log(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  info(...args: unknown[]): void;
  error(...args: unknown[]): void;
  debug(...args: unknown[]): void;
  child(name: string | Record<string, unknown>): MeshLogger;
}

function text(args: unknown[]): string {
  return args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? a.message : JSON.stringify(a))).join(' ');
}

export function meshLogger(logger: Logger, onWarn?: (message: string) => void): MeshLogger {
  return {
    log: (...args) => logger.debug(text(args)),
    info: (...args) => logger.debug(text(args)),
    debug: (...args) => {
      if (logger.isLevelEnabled('trace')) logger.trace(text(args));
    },
    warn: (...args) => {
      const message = text(args);
      onWarn?.(message);
      logger.warn(message);
    },
    error: (...args) => {
      const message = text(args);
      onWarn?.(message);
      logger.error(message);
    },
    child: (name) => meshLogger(logger.child(typeof name === 'string' ? { component: name } : name), onWarn),
  };
}
