// Starting and stopping a node:http server as promises, and the URL clients should use
// for it. Stopping also ends idle keep-alive connections: the gateway's pooled client
// holds them open, and server.close() alone would wait for them forever.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A URL host for a listen address: wildcards become loopback, IPv6 gets brackets. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** Listens on host:port (0 = any free port) and resolves to `http://host:port`. */
export function listen(server: Server, host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address() as AddressInfo;
      resolve(`http://${urlHost(host)}:${address.port}`);
    });
  });
}

/** Stops accepting, drops every open connection, and resolves once closed. */
export function close(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
