// A loopback relay between the gateway and Prism that writes down each exchange: what
// was asked, the status, Prism's `sl-violations` header and, for Prism's own
// problem+json answers, their type and detail. The gateway does not pass those on to a
// GraphQL client, and they are what tells "the spec refused the request" from "the mock
// broke its own spec". Bytes are relayed unchanged.
import { request as httpRequest, createServer, type Server } from 'node:http';

export interface Violation {
  readonly location?: readonly string[];
  readonly code?: string;
  readonly severity?: string;
  readonly message: string;
}

export interface Exchange {
  readonly method: string;
  readonly url: string;
  /** 0 when Prism could not be reached. */
  readonly status: number;
  readonly violations: readonly Violation[];
  /** Prism's problem type (the part after `#`), when it answered problem+json of its own. */
  readonly problem?: string;
  readonly detail?: string;
  /** The request body's first bytes, as text ('' when none was sent). */
  readonly requestBody?: string;
}

export interface Recorder {
  readonly url: string;
  /** Where requests go; until it is set they are answered 503. */
  target(url: string): void;
  /** The exchanges since the last call. */
  take(): Exchange[];
  close(): Promise<void>;
}

function parseViolations(header: string | string[] | undefined): Violation[] {
  if (typeof header !== 'string') return [];
  try {
    const parsed = JSON.parse(header) as unknown;
    // Warnings (an unknown format, say) do not make Prism refuse anything.
    return Array.isArray(parsed) ? (parsed as Violation[]).filter((v) => v && typeof v.message === 'string' && (v.severity ?? 'Error') === 'Error') : [];
  } catch {
    return [{ location: [], message: header }];
  }
}

export async function startRecorder(): Promise<Recorder> {
  let upstream: URL | undefined;
  let exchanges: Exchange[] = [];
  const server: Server = createServer((req, res) => {
    if (!upstream) {
      res.writeHead(503).end();
      return;
    }
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const headers = { ...req.headers, host: upstream.host };
    let sent = '';
    req.on('data', (chunk: Buffer) => {
      if (sent.length < 256) sent += chunk.toString('utf8').slice(0, 256 - sent.length);
    });
    const out = httpRequest({ host: upstream.hostname, port: upstream.port, method, path: url, headers }, (answer) => {
      const status = answer.statusCode ?? 0;
      const violations = parseViolations(answer.headers['sl-violations']);
      const problemJson = String(answer.headers['content-type'] ?? '').includes('application/problem+json');
      // Recorded at the status line: an exchange the gateway gave up on still counts for its field.
      const exchange: { -readonly [K in keyof Exchange]: Exchange[K] } = { method, url, status, violations, requestBody: sent };
      exchanges.push(exchange);
      const chunks: Buffer[] = [];
      let size = 0;
      answer.on('data', (chunk: Buffer) => {
        if (problemJson && size < 65_536) chunks.push(chunk);
        size += chunk.length;
      });
      answer.on('end', () => {
        if (problemJson) {
          try {
            const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type?: string; title?: string; detail?: string; validation?: unknown };
            if (body.type?.includes('stoplight.io/prism/errors#')) {
              // With no error answer of the spec to send, Prism lists the violations in the body.
              if (!exchange.violations.length && Array.isArray(body.validation)) exchange.violations = parseViolations(JSON.stringify(body.validation));
              exchange.problem = body.type.split('#')[1];
              exchange.detail = [body.title, body.detail].filter(Boolean).join(': ');
            }
          } catch {
            // not Prism's own problem document
          }
        }
      });
      res.writeHead(status, answer.rawHeaders);
      answer.pipe(res);
    });
    out.on('error', (error) => {
      exchanges.push({ method, url, status: 0, violations: [], detail: error.message });
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    target(url) {
      upstream = new URL(url);
    },
    take() {
      const taken = exchanges;
      exchanges = [];
      return taken;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
