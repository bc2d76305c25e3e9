// Compressed answers for what browsers fetch from the gateway: the GraphiQL page (about
// 9 MB of inline scripts, under 2 MB as brotli) and large GraphQL answers. The
// `compression` middleware negotiates Accept-Encoding with q-values (brotli preferred,
// then gzip), skips answers under the threshold, sets `Vary: Accept-Encoding`, and
// leaves an answer that already has a Content-Encoding alone.
//
// Not compressed, on purpose:
// - streamed answers (`text/event-stream`, `multipart/mixed`): a compressor holds bytes
//   back until its window fills, and the point of a stream is that each part arrives
//   when it is ready;
// - the REST passthrough: it forwards the service's bytes as they come, encoded or not
//   (passthrough/), and the gateway never sees it here.
// A request without Accept-Encoding pays one header lookup: the middleware is skipped.
import type { IncomingMessage, ServerResponse } from 'node:http';
import compression from 'compression';
import type { CompressionSettings } from '../config/schema.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const STREAMED = /^\s*(text\/event-stream|multipart\/mixed)\b/i;

/** Wraps the GraphQL handler so that its answers are compressed as `settings` say. */
export function withCompression(settings: CompressionSettings, handle: Handler): Handler {
  if (!settings.enabled) return handle;
  const middleware = compression({
    threshold: settings.thresholdBytes,
    // The middleware's own test (a compressible media type), minus the streams.
    filter: (req, res) => {
      const type = res.getHeader('content-type');
      return compression.filter(req, res) && !(typeof type === 'string' && STREAMED.test(type));
    },
  });
  return function compressed(req, res) {
    if (!req.headers['accept-encoding']) return handle(req, res);
    // `compression` is written for Express; its `req`/`res` are node:http's own.
    middleware(req as never, res as never, () => handle(req, res));
  };
}
