// The REST passthrough: `<prefix>/<source>/<path>` forwarded to the source's endpoint.
export {
  createPassthrough,
  type Passthrough,
  type PassthroughDecision,
  type PassthroughExtra,
  type PassthroughHooks,
  type PassthroughOptions,
  type PassthroughSource,
} from './route.ts';
export { safeUpstreamPath, type SafePathResult } from './path.ts';
export {
  createHeaderAllowList,
  downstreamResponseHeaders,
  upstreamRequestHeaders,
  type ClientConnection,
} from './headers.ts';
