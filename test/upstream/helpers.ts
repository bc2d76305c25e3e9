// Real HTTP servers for the upstream tests: each listens on 127.0.0.1 on a free port and
// records every request it receives, so tests can assert exact upstream call counts.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UpstreamSettings } from '../../src/config/schema.ts';

export interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
}

export interface TestServer {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly received: Received[];
  /** Resolves once `count` requests have arrived (at once if they already have). */
  waitForRequests(count: number): Promise<void>;
  /**
   * Stops (true) or resumes (false) accepting connections on the same port, so new
   * connections are refused while requests already in flight keep their sockets.
   */
  refuse(on: boolean): Promise<void>;
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, index: number) => void;

export async function startServer(handler: Handler): Promise<TestServer> {
  const received: Received[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const server: Server = createServer((req, res) => {
    const index = received.length;
    received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    for (const waiter of waiters.filter((w) => received.length >= w.count)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
    handler(req, res, index);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    received,
    waitForRequests: (count) => (received.length >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve }))),
    refuse: async (on) => {
      if (on === !server.listening) return;
      if (on) {
        // close() stops listening at once (and drops idle keep-alive sockets); its
        // 'close' event waits for busy sockets, which stay usable.
        server.close();
        server.closeIdleConnections();
        return;
      }
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
    },
    close: async () => {
      server.closeAllConnections();
      if (!server.listening) return;
      server.close();
      await once(server, 'close');
    },
  };
}

/** A port nothing listens on: bound once by us, then released. */
export async function refusedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** Settings with the schema's defaults, overridden per test. */
export function settings(overrides: Partial<UpstreamSettings> = {}): UpstreamSettings {
  return UpstreamSettings.parse(overrides);
}

/** Reads a request body to a string. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A clock tests move by hand. */
export function manualClock(start = 1_700_000_000_000): { now: () => number; advance: (ms: number) => void } {
  let time = start;
  return { now: () => time, advance: (ms) => void (time += ms) };
}
