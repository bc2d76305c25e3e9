// The request body size limit (the policies' `maxBodyBytes`), as Yoga's own
// `maxRequestBodySize` enforces it — same checks, same errors — but without its cost on
// every request. Yoga pipes every body through a counting TransformStream, even when a
// valid Content-Length already says how big it is; that stream (and the AbortController
// and DOMException that Node's pipeline makes for it) was ~8% of a small query's CPU.
// A body node:http parsed for a valid Content-Length is exactly that long (llhttp stops
// there; anything after is the next request), so only bodies without one — chunked, or
// Fetch requests made in process — still go through the counting stream.
import type { IncomingMessage } from 'node:http';
import { createGraphQLError } from '@graphql-tools/utils';
import type { Plugin } from 'graphql-yoga';
import { httpExtension } from '../errors.ts';

const CONTENT_LENGTH = /^\d+$/;

function tooLarge() {
  return createGraphQLError('Request body too large', { extensions: { http: httpExtension('PAYLOAD_TOO_LARGE'), code: 'PAYLOAD_TOO_LARGE' } });
}

function invalidLength() {
  return createGraphQLError('Content-Length header is invalid.', { extensions: { http: httpExtension('BAD_REQUEST'), code: 'BAD_REQUEST' } });
}

type FetchApi = { Request: typeof Request; TransformStream: typeof TransformStream };

function counted(request: Request, limit: number, fetchAPI: FetchApi): Request {
  const body = request.body;
  if (!body) return request;
  // A native ReadableStream needs the native TransformStream (graphql-yoga#4583).
  const Transform = body instanceof ReadableStream ? globalThis.TransformStream : fetchAPI.TransformStream;
  let bytesRead = 0;
  const limited = body.pipeThrough(
    new Transform({
      transform(chunk: Uint8Array, controller) {
        bytesRead += chunk.byteLength;
        if (bytesRead > limit) controller.error(tooLarge());
        else controller.enqueue(chunk);
      },
    }),
  );
  return new fetchAPI.Request(request.url, {
    method: request.method,
    headers: request.headers,
    signal: request.signal,
    body: limited,
    duplex: 'half',
  } as RequestInit);
}

/** Use with Yoga's `maxRequestBodySize: false`; last among the plugins, where Yoga puts its own. */
export function useRequestBodyLimit(limit: number): Plugin<Record<string, unknown>, { req?: IncomingMessage }> {
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI, serverContext }) {
      const contentLength = request.headers.get('content-length');
      if (contentLength != null) {
        if (!CONTENT_LENGTH.test(contentLength)) throw invalidLength();
        if (Number(contentLength) > limit) throw tooLarge();
        if (serverContext?.req?.headers) return;
      }
      if (requestParser == null || request.body == null) return;
      const parse = requestParser;
      setRequestParser((req) => parse(counted(req, limit, fetchAPI as unknown as FetchApi)));
    },
  };
}
