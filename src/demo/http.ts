// JSON over node:http for the demo services: reading a request body, writing a reply,
// and the error type handlers throw to answer with a 4xx. Every answer, errors
// included, is a JSON document, as the specs in sources/ promise.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What a route handler answers: a status and a value to send as JSON. */
export interface JsonReply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Thrown by handlers to answer `status` with `{ "message": message }`. */
export class HttpError extends Error {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.headers = headers;
  }
}

/** The error reply the specs document: `{ "message": ... }`. */
export function errorReply(status: number, message: string, headers?: Record<string, string>): JsonReply {
  return { status, body: { message }, ...(headers ? { headers } : {}) };
}

/** A parsed JSON value that is an object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function sendJson(res: ServerResponse, reply: JsonReply): void {
  const payload = Buffer.from(JSON.stringify(reply.body));
  res.writeHead(reply.status, {
    ...reply.headers,
    'content-type': 'application/json',
    'content-length': String(payload.length),
  });
  // Node drops the payload itself for HEAD requests and keeps content-length, as HTTP wants.
  res.end(payload);
}

/**
 * Reads and parses a JSON request body. Answers 413 past `maxBytes` (and closes the
 * connection, since the rest of the body is not read) and 400 for anything that is not
 * JSON, so handlers only ever see parsed values.
 */
export function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off('data', onData);
        req.resume();
        reject(new HttpError(413, `Request body is larger than ${maxBytes} bytes`, { connection: 'close' }));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('error', reject);
    req.once('end', () => {
      if (size > maxBytes) return;
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') {
        reject(new HttpError(400, 'Request body is empty; expected a JSON object'));
        return;
      }
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new HttpError(400, 'Request body is not valid JSON'));
      }
    });
  });
}
