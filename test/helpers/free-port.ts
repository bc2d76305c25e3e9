// A TCP port that was free a moment ago, for tests that must know a port before
// something listens on it (a config file that names the port, a "connection refused"
// upstream). Prefer listening on port 0 where the code allows it: another process can
// take this port between the check and its use.
import { createServer } from 'node:net';

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('freePort: no port assigned'))));
    });
  });
}
