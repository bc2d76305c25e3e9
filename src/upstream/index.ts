// The public surface of the upstream layer. Other modules import from here, not from
// the files behind it.
export type {
  UpstreamClient,
  UpstreamRequest,
  UpstreamResponse,
  UpstreamSource,
  UpstreamStreamResponse,
} from './types.ts';
export { createUpstreamClient, type UpstreamClientOptions } from './client.ts';
export { CircuitBreaker, type BreakerOptions, type BreakerState } from './breaker.ts';
export { exceedsJsonDepth, MAX_JSON_DEPTH } from './json-depth.ts';
export { joinPath } from './path.ts';
export { outgoingHeaders } from './headers.ts';
export { parseRetryAfter } from './retry-after.ts';
