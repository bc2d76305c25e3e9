// One structured logger for the whole gateway (pino: JSON lines, cheap when a level is off).
// Modules take a `Logger` from the composition root instead of importing a global one,
// so tests can capture what was logged.
import { pino, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const level = options.level ?? process.env.TRIBUTARY_LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info');
  return options.destination ? pino({ level }, options.destination as never) : pino({ level });
}

/** A logger that drops everything; for library use and tests that do not look at logs. */
export const silentLogger: Logger = pino({ level: 'silent' });
