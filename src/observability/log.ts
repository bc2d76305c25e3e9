// One structured logger for the whole gateway (pino: JSON lines, cheap when a level is off).
// Modules take a `Logger` from the composition root instead of importing a global one,
// so tests can capture what was logged.
import { pino, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

// Synchronous writes to stdout: pino's default stream writes asynchronously through
// libuv's thread pool, and `flush()` does not wait for a write already queued there. A
// gateway or worker that logs its shutdown summary and then exits lost that line
// whenever the pool was busy (reproduced under load). Log volume is a few lines per
// event, never per upstream call, so the syscall per line costs nothing measurable.
export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const level = options.level ?? process.env.TRIBUTARY_LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info');
  return pino({ level }, (options.destination as never) ?? pino.destination({ dest: 1, sync: true }));
}

/** A logger that drops everything; for library use and tests that do not look at logs. */
export const silentLogger: Logger = pino({ level: 'silent' });
