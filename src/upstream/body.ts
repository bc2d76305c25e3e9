// Upstream bodies as streams (the passthrough's), under the response size cap. The cap
// protects the gateway's memory from a service that answers with far more than anyone
// asked for, so counting stops the transfer the moment it is exceeded instead of after
// the fact. A buffered answer is counted the same way as it arrives (attempt.ts).
import { type Readable, Transform } from 'node:stream';

/**
 * The declared body size, from Content-Length (RFC 9110 §8.6), or undefined when the
 * field is absent, repeated or not a plain number.
 */
export function declaredLength(value: string | string[] | undefined): number | undefined {
  if (typeof value !== 'string' || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

/**
 * Throws `body` away, closing its connection. undici errors a body destroyed before its
 * end ("Request aborted"); nobody is listening any more, so that error is swallowed
 * rather than left to crash the process as an unhandled 'error' event.
 */
export function discard(body: Readable): void {
  body.on('error', () => undefined);
  body.destroy();
}

/**
 * `body` passed through as it arrives. The returned stream errors with `tooLarge()` once
 * more than `maxBytes` went by, and with `mapError(err)` if `body` errors; destroying
 * the returned stream (the consumer went away) destroys `body`, releasing the upstream
 * connection. `onClose` runs once when both are done, however they ended.
 */
export function cappedStream(body: Readable, maxBytes: number, tooLarge: () => Error, mapError: (err: unknown) => Error, onClose: () => void): Readable {
  let received = 0;
  const out = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      if (received > maxBytes) callback(tooLarge());
      else callback(null, chunk);
    },
  });
  body.on('error', (err) => out.destroy(mapError(err)));
  out.on('close', () => {
    if (!body.destroyed) body.destroy();
    onClose();
  });
  body.pipe(out);
  return out;
}
