// Graceful shutdown of the gateway's node:http servers: on a signal, requests in flight
// finish and nothing new starts, within a grace period; then what is left is cut.
//
// Order (and why):
//   1. server.close(): no new connections. Node ≥ 19 also closes idle keep-alive
//      connections at once (closeIdleConnections), which a client sees as a clean close
//      and retries elsewhere (RFC 9112 §9.3.1 lets it).
//   2. Every response that has not sent its headers yet, and every request that still
//      arrives on an open connection, gets `Connection: close` (RFC 9112 §9.6), so its
//      socket closes after it instead of going back to the keep-alive pool. A response
//      whose headers are out already (a streamed passthrough answer) cannot say so; its
//      socket is ended once the response is complete.
//   3. When the last response is complete, the remaining sockets are closed once what
//      was written to them has been flushed; at the deadline (or on cutNow) every socket
//      still open is destroyed and its request counts as cut.
// A request counts from its 'request' event to its response's 'close': that covers
// GraphQL, the passthrough and streamed answers alike, whatever produced them.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface DrainReport {
  /** Requests that ended on their own during the drain (answered, or their client left). */
  drained: number;
  /** Requests still in flight when the grace ran out (or a second signal came); their connections were destroyed. */
  cut: number;
  /** From the start of the drain until the last connection closed. */
  ms: number;
}

/** A server whose requests and connections are counted, so that it can be drained. */
export interface TrackedServer {
  readonly server: Server;
  /** Stops accepting and winds connections down; resolves when no request is in flight. */
  drain(): Promise<void>;
  /** Resolves when every connection has closed (after drain, sockets close once flushed). */
  closed(): Promise<void>;
  /** Destroys every connection left; returns how many requests were still in flight. */
  cut(): number;
  /** Requests that ended since drain() was called. */
  readonly drained: number;
}

export function trackServer(server: Server): TrackedServer {
  /** Open connections, with how many requests each is answering now. */
  const sockets = new Map<Socket, number>();
  const responses = new Set<ServerResponse>();
  let draining = false;
  let cutting = false;
  let drained = 0;
  let onIdle: (() => void) | undefined;
  let onClosed: (() => void) | undefined;

  // After its last response, a socket is ended (FIN once its output is flushed, then
  // destroyed): destroying it earlier could drop the end of that response.
  const endSocket = (socket: Socket) => {
    if (socket.destroyed) return;
    socket.end();
    if (socket.writableFinished) socket.destroy();
    else socket.once('finish', () => socket.destroy());
  };

  server.on('connection', (socket: Socket) => {
    sockets.set(socket, 0);
    socket.once('close', () => {
      sockets.delete(socket);
      if (draining && sockets.size === 0) onClosed?.();
    });
  });

  // Before the gateway's own listener (createServer's), so that the header is set before
  // anything can be written.
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    sockets.set(socket, (sockets.get(socket) ?? 0) + 1);
    responses.add(res);
    if (draining) res.setHeader('connection', 'close');
    res.once('close', () => {
      responses.delete(res);
      const left = (sockets.get(socket) ?? 1) - 1;
      if (sockets.has(socket)) sockets.set(socket, left);
      if (!draining || cutting) return;
      drained += 1;
      if (left === 0) endSocket(socket);
      if (responses.size === 0) onIdle?.();
    });
  });

  return {
    server,
    get drained() {
      return drained;
    },
    drain() {
      draining = true;
      server.close();
      for (const res of responses) if (!res.headersSent) res.setHeader('connection', 'close');
      return new Promise<void>((resolve) => {
        if (responses.size === 0) return resolve();
        onIdle = resolve;
      });
    },
    closed() {
      // No request in flight: a connection still open is idle or half-sent (its request
      // never completed) and can go; those being ended close by themselves once flushed.
      for (const [socket, count] of sockets) if (count === 0 && !socket.writableEnded) socket.destroy();
      return new Promise<void>((resolve) => {
        if (sockets.size === 0) return resolve();
        onClosed = resolve;
      });
    },
    cut() {
      cutting = true;
      const left = responses.size;
      for (const socket of sockets.keys()) socket.destroy();
      server.closeAllConnections();
      return left;
    },
  };
}

export interface Shutdown {
  /** Resolves once every server is closed: all requests finished, or the grace ran out and the rest were cut. */
  readonly done: Promise<DrainReport>;
  /** Ends the grace now: the requests still in flight are cut (a second signal). */
  cutNow(): void;
}

/** Drains `servers` together within `graceMs`; see the top of this file. */
export function shutDown(servers: readonly TrackedServer[], graceMs: number, now: () => number = Date.now): Shutdown {
  const started = now();
  let cutNow: () => void = () => undefined;
  const deadline = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, graceMs);
    cutNow = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  const finished = (async () => {
    await Promise.all(servers.map((s) => s.drain()));
    await Promise.all(servers.map((s) => s.closed()));
  })();
  const done = Promise.race([finished, deadline]).then(() => {
    // Even when everything finished, cut() clears what a race may have left (a socket
    // that connected as the listener closed); it then finds nothing in flight.
    const cut = servers.reduce((sum, s) => sum + s.cut(), 0);
    cutNow();
    return { drained: servers.reduce((sum, s) => sum + s.drained, 0), cut, ms: now() - started };
  });
  return { done, cutNow: () => cutNow() };
}
