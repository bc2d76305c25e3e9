// The REST passthrough: `<prefix>/<source>/<path>` forwarded to the source's endpoint.
export {
  createPassthrough,
  type Passthrough,
  type PassthroughDecision,
  type PassthroughCall,
  type PassthroughExtra,
  type PassthroughHooks,
  type PassthroughOptions,
  type PassthroughSource,
} from './route.ts';
export { safeUpstreamPath, type SafePathResult } from './path.ts';
export {
  createHeaderAllowList,
  downstreamResponseHeaders,
  forwardedFields,
  upstreamRequestHeaders,
  type ClientConnection,
  type ForwardedFields,
} from './headers.ts';
export { declaredOperations, type DeclaredOperation } from './declared.ts';
export { compileDeclaredRoutes, type DeclaredRoutes, type RouteMatch } from './declared-routes.ts';
export { createLocationRewriter, type LocationRewriter } from './location.ts';
