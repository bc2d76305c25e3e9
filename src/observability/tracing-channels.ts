// The spans of what the upstream client and the link loaders publish (channels.ts): a
// client span per logical upstream call (retries included) and an internal span per link
// batch. Subscribed only while tracing runs (tracing.ts), so that with tracing off the
// channels have no subscriber and publishing is skipped altogether.
//
// Parentage follows the async flow: a call is a child of the span current where it was
// made (the GraphQL execution, a link batch, the passthrough request). A link batch's
// span is made current for the calls of that batch by binding the tracing storage to the
// channel's start (diagnostics_channel runs the batch inside `start.runStores`).
import type { Channel } from 'node:diagnostics_channel';
import { isTributaryError, ERRORS } from '../errors.ts';
import { linkBatches, upstreamCalls, type LinkBatchMessage, type UpstreamCallMessage } from './channels.ts';
import type { TraceSpan, Tracing } from './tracing.ts';

/** Subscribes the span makers; returns what unsubscribes them. */
export function traceChannels(tracing: Omit<Tracing, 'shutdown'>): () => void {
  const spans = new WeakMap<object, TraceSpan>();

  const onCallStart = (data: unknown): void => {
    const message = data as UpstreamCallMessage;
    // `operation` is the method and path template, never the filled-in path or query.
    const span = tracing.child(message.operation, 'client', {
      // One of the methods the passthrough settings or an OpenAPI document allow.
      'http.request.method': message.method,
      'url.template': message.operation.slice(message.operation.indexOf(' ') + 1),
      'tributary.source': message.source,
      'tributary.operation': message.operation,
      'tributary.streamed': message.streamed,
    });
    // The headers about to be sent: the service sees this span as its parent.
    span.inject(message.headers);
    spans.set(message, span);
  };
  const onCallEnd = (data: unknown): void => {
    const message = data as UpstreamCallMessage;
    const span = spans.get(message);
    if (!span) return;
    if (message.error !== undefined) failWith(span, message.error);
    else if (message.result) {
      const { status, attempts } = message.result;
      span.set({ 'http.response.status_code': status });
      if (attempts !== undefined) span.set({ 'tributary.attempts': attempts, ...(attempts > 1 ? { 'http.request.resend_count': attempts - 1 } : {}) });
      // Semantic conventions for client spans: any 4xx or 5xx answer is an error.
      if (status >= 400) span.fail(String(status));
    }
    span.end();
  };
  // Bound to the start channel: the store returned is current while the batch runs.
  const onBatchStart = (message: LinkBatchMessage): unknown => {
    const span = tracing.child(`link ${message.link}`, 'internal', {
      'tributary.link': message.link,
      'tributary.link.kind': message.kind,
      'tributary.link.size': message.size,
    });
    spans.set(message, span);
    return span.context;
  };
  const onBatchEnd = (data: unknown): void => {
    const message = data as LinkBatchMessage;
    const span = spans.get(message);
    if (!span) return;
    if (message.error !== undefined) failWith(span, message.error);
    span.end();
  };

  // The start channel's store is the tracing context, whatever the channel's declared
  // store type says (channels.ts declares the message for both).
  const batchStart = linkBatches.start as unknown as Channel<unknown, LinkBatchMessage>;
  upstreamCalls.start.subscribe(onCallStart);
  upstreamCalls.asyncEnd.subscribe(onCallEnd);
  batchStart.bindStore(tracing.storage, onBatchStart);
  linkBatches.asyncEnd.subscribe(onBatchEnd);
  return () => {
    upstreamCalls.start.unsubscribe(onCallStart);
    upstreamCalls.asyncEnd.unsubscribe(onCallEnd);
    batchStart.unbindStore(tracing.storage);
    linkBatches.asyncEnd.unsubscribe(onBatchEnd);
  };
}

/** The catalogue code and text for a coded error; an uncoded one (an abort) by its class name only. */
function failWith(span: TraceSpan, error: unknown): void {
  if (isTributaryError(error)) span.fail(error.code, ERRORS[error.code].description);
  else span.fail(error instanceof Error ? error.name : '_OTHER');
}
