// Reading an upstream body under the response size cap. The cap protects the gateway's
// memory from a service that answers with far more than anyone asked for, so counting
// stops the transfer the moment it is exceeded instead of after the fact.
import { Readable, Transform } from 'node:stream';

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
 * Buffers `body`, destroying it and throwing `tooLarge()` as soon as more than
 * `maxBytes` arrived. Errors of the body itself are rethrown as they are; a body that
 * closes before its end rejects as `for await` would (ERR_STREAM_PREMATURE_CLOSE).
 *
 * Read from 'data' events rather than with `for await`: the async iterator costs a
 * promise and a microtask per chunk and an iterator per body, paid on every upstream
 * call (a query with links makes dozens).
 */
export function readCapped(body: Readable, maxBytes: number, tooLarge: () => Error): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let done = false;
    const stop = (): void => {
      done = true;
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      body.off('close', onClose);
    };
    const onData = (chunk: Buffer | Uint8Array): void => {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      received += buffer.length;
      if (received > maxBytes) {
        stop();
        discard(body);
        reject(tooLarge());
        return;
      }
      chunks.push(buffer);
    };
    const onEnd = (): void => {
      stop();
      // Copied even when it is one chunk: a chunk is a view of the socket's read buffer,
      // which a kept answer (the response cache) would hold whole.
      resolve(Buffer.concat(chunks, received));
    };
    const onError = (error: unknown): void => {
      stop();
      // Later errors of the destroyed body have no one else to hear them.
      body.on('error', () => undefined);
      reject(error);
    };
    const onClose = (): void => {
      if (done) return;
      stop();
      reject(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    };
    body.on('data', onData);
    body.once('end', onEnd);
    body.once('error', onError);
    body.once('close', onClose);
  });
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
