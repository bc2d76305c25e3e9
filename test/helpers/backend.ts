// A throwaway REST backend for tests: a node:http server on 127.0.0.1 with a free port
// that answers from a routes function and records every request it receives, so that
// a test can both script the upstream and assert exactly what the gateway sent it.
// Tests write their own small specs and configs with writeTempDir rather than copying
// files from sources/, so that each suite states the API it relies on.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';

/** What a route answers. */
export interface BackendResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string | number | string[]>>;
  /**
   * A string, Buffer/Uint8Array or Readable is sent as is; any other value except
   * undefined is sent as JSON (with `content-type: application/json` unless `headers`
   * sets one); undefined sends no body.
   */
  readonly body?: unknown;
}

/**
 * Decides the answer to one request. `body` is the whole request body as text (it has
 * been read already). Returning undefined answers 404 `{ "message": "no route" }`;
 * throwing answers 500. To simulate a dead upstream, destroy `req.socket` and return
 * undefined; to simulate a slow one, await a timer before returning.
 */
export type BackendRoutes = (req: IncomingMessage, url: URL, body: string) => BackendResponse | undefined | Promise<BackendResponse | undefined>;

export interface BackendCall {
  /** Upper-case method as received. */
  readonly method: string;
  /** Path and query exactly as received, e.g. `/users?ids=1,2`. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The request body as text; '' when there was none. */
  readonly body: string;
  /** The request body's bytes, for bodies that are not UTF-8 text (uploads). */
  readonly raw: Buffer;
}

export interface Backend {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string;
  readonly port: number;
  /** Every request received, in arrival order; live (grows as requests arrive). */
  readonly calls: BackendCall[];
  /** Stops the server and drops its open connections. Safe to call twice. */
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolvePromise, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolvePromise(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

function encode(response: BackendResponse): { headers: OutgoingHttpHeaders; payload: Buffer | Readable | undefined } {
  const headers: OutgoingHttpHeaders = { ...response.headers };
  const hasContentType = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
  const { body } = response;
  if (body === undefined) return { headers, payload: undefined };
  if (body instanceof Readable) return { headers, payload: body };
  if (typeof body === 'string' || body instanceof Uint8Array) return { headers, payload: Buffer.from(body) };
  if (!hasContentType) headers['content-type'] = 'application/json';
  return { headers, payload: Buffer.from(JSON.stringify(body)) };
}

export async function startBackend(routes: BackendRoutes): Promise<Backend> {
  const calls: BackendCall[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    readBody(req)
      .then(async (raw) => {
        const body = raw.toString('utf8');
        calls.push({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body, raw });
        return (await routes(req, url, body)) ?? { status: 404, body: { message: 'no route' } };
      })
      .catch((error: unknown): BackendResponse => ({ status: 500, body: { message: error instanceof Error ? error.message : String(error) } }))
      .then((response) => {
        // The route may have destroyed the socket on purpose (simulated network failure).
        if (res.destroyed || req.socket.destroyed) return;
        const { headers, payload } = encode(response);
        res.writeHead(response.status, headers);
        if (payload instanceof Readable) payload.pipe(res);
        else res.end(payload);
      })
      .catch(() => res.destroy());
  });

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolvePromise();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    calls,
    close: () =>
      new Promise<void>((resolvePromise, reject) => {
        if (!server.listening) return resolvePromise();
        server.close((error) => (error ? reject(error) : resolvePromise()));
        // Keep-alive connections from the code under test would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}

/**
 * Writes `files` (relative path → content; subfolders are created) into a new
 * temporary directory and returns its absolute path. Remove it with removeTempDir.
 */
export async function writeTempDir(files: Readonly<Record<string, string>>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tributary-test-'));
  for (const [name, content] of Object.entries(files)) {
    const path = resolve(dir, name);
    // A test typo such as '../x' must not write outside the temporary directory.
    if (!path.startsWith(dir + sep)) throw new Error(`writeTempDir: "${name}" is outside the temporary directory`);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  }
  return dir;
}

/** Deletes a directory made by writeTempDir (and everything in it). */
export async function removeTempDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
