// `start` finds out whether it can listen before it builds: a build can take seconds (a
// large spec without the load cache), and an operator who started a second gateway on
// a taken port should not wait that long to learn it, nor read a stack trace then.
//
// gateway.listen() creates its own server, so the port is held by a placeholder during
// the build and handed over just before the gateway listens: nothing else can take it
// meanwhile, and a connection that arrives is closed at once (a readiness probe sees a
// gateway that is not ready yet). A clash in the instant of the hand-over, or in a
// cluster worker, gets the same message from listenError().
import { createServer, type AddressInfo } from 'node:net';
import { TributaryError } from '../errors.ts';

export interface Listen {
  readonly host: string;
  readonly port: number;
}

export interface PortReservation {
  /** The port held (the one asked for, or the one the system chose for 0). */
  readonly port: number;
  release(): Promise<void>;
}

/** An operator's message for a failed listen; other errors are returned unchanged. */
export function listenError(error: unknown, { host, port }: Listen): unknown {
  const code = (error as NodeJS.ErrnoException)?.code;
  const say = (message: string) => new TributaryError('LISTEN_FAILED', message, { cause: error, extensions: { host, port, errno: code } });
  switch (code) {
    case 'EADDRINUSE':
      return say(`port ${port} on ${host} is already in use; set PORT or --port`);
    case 'EACCES':
      return say(`port ${port} on ${host} is not permitted to this process (ports below 1024 need privileges); set PORT or --port`);
    case 'EADDRNOTAVAIL':
      return say(`${host} is not an address of this machine; set HOST or --host`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return say(`host "${host}" does not resolve to an address; set HOST or --host`);
    default:
      return error;
  }
}

/** Holds host:port until release(); throws listenError()'s message when it cannot. */
export async function reservePort(listen: Listen): Promise<PortReservation> {
  const placeholder = createServer((socket) => socket.destroy());
  placeholder.unref();
  try {
    await new Promise<void>((resolve, reject) => {
      placeholder.once('error', reject);
      placeholder.listen({ port: listen.port, host: listen.host }, () => resolve());
    });
  } catch (error) {
    throw listenError(error, listen);
  }
  return {
    port: (placeholder.address() as AddressInfo).port,
    release: () => new Promise<void>((resolve) => placeholder.close(() => resolve())),
  };
}
