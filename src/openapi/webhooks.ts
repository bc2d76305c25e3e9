// OAS 3.1 `webhooks` (OAS 3.1.0 §4.8.1: "incoming webhooks that MAY be received as part of
// this API") as callbacks, so that Mesh's loader maps them. The loader reads an
// operation's `callbacks` (OAS 3.0.3 §4.7.16) into Subscription fields annotated
// `@pubsubOperation`, with the payload type generated from the callback's request body,
// but it ignores the top-level `webhooks` map. A webhook is the same thing — a request
// the API sends, whose body is the event — without an operation that registers it; so,
// before the loader sees the document, every webhook becomes a callback of one host
// operation that exists only for this (HOST), and the host's own field is removed from
// the schema the loader makes (dropWebhookHost). The callback's URL key is the webhook's
// name, which has no runtime expression: the field takes no arguments, and its topic is
// `webhook:<method>:<name>` (schema/subscriptions.ts reads it).
//
// Mesh maps one method per callback URL key (the last one it reads), so a webhook whose
// Path Item has several operations keeps its first and says so in a warning.
import { GraphQLObjectType, GraphQLSchema } from 'graphql';
import { pointerOf, type SpecWarning } from './spec-warning.ts';

type Json = Record<string, unknown>;

/** The host operation's path and operationId; also what dropWebhookHost looks for. */
export const WEBHOOK_HOST = { path: '/__tributary/webhooks', operationId: 'tributary_webhooks_host' } as const;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Moves `doc.webhooks` into callbacks of the host operation; returns what could not be mapped. */
export function webhooksAsCallbacks(doc: Json): SpecWarning[] {
  const warnings: SpecWarning[] = [];
  if (!isObject(doc.webhooks)) return warnings;
  const callbacks: Json = {};
  for (const [name, item] of Object.entries(doc.webhooks)) {
    const at = ['webhooks', name];
    const pathItem = isObject(item) && typeof item.$ref === 'string' ? resolveLocal(doc, item.$ref) : item;
    if (!isObject(pathItem)) {
      warnings.push({ pointer: pointerOf(at), problem: 'the webhook is not a Path Item Object (OAS 3.1.0 §4.8.9)', action: 'no Subscription field' });
      continue;
    }
    const methods = METHODS.filter((m) => isObject(pathItem[m]));
    if (methods.length === 0) {
      warnings.push({ pointer: pointerOf(at), problem: 'the webhook declares no operation', action: 'no Subscription field' });
      continue;
    }
    for (const extra of methods.slice(1))
      warnings.push({
        pointer: pointerOf([...at, extra]),
        problem: `the webhook "${name}" declares several operations; one Subscription field is made per webhook`,
        action: `only ${methods[0].toUpperCase()} is mapped`,
      });
    const operation = pathItem[methods[0]] as Json;
    if (!isObject(operation.requestBody))
      warnings.push({
        pointer: pointerOf([...at, methods[0]]),
        problem: 'the webhook has no requestBody, so its events carry no payload schema',
        action: 'the Subscription field is typed by the loader without one',
      });
    callbacks[name] = { [name]: { [methods[0]]: operation } };
  }
  delete doc.webhooks;
  if (Object.keys(callbacks).length === 0) return warnings;
  const paths = (isObject(doc.paths) ? doc.paths : (doc.paths = {})) as Json;
  paths[WEBHOOK_HOST.path] = {
    post: {
      operationId: WEBHOOK_HOST.operationId,
      responses: { '200': { description: 'host of the webhooks', content: { 'application/json': { schema: { type: 'boolean' } } } } },
      callbacks,
    },
  };
  return warnings;
}

/** The loader's schema without the host operation's root field (it is never served). */
export function dropWebhookHost(schema: GraphQLSchema): GraphQLSchema {
  const mutation = schema.getMutationType();
  if (!mutation?.getFields()[WEBHOOK_HOST.operationId]) return schema;
  const config = schema.toConfig();
  const { [WEBHOOK_HOST.operationId]: _host, ...fields } = mutation.toConfig().fields;
  // A document with webhooks and no other operation that writes has no Mutation at all
  // (GraphQL spec §3.3.1: a root operation type must define fields).
  const kept = Object.keys(fields).length ? new GraphQLObjectType({ ...mutation.toConfig(), fields }) : undefined;
  return new GraphQLSchema({
    ...config,
    mutation: kept,
    types: config.types.flatMap((t) => (t === mutation ? (kept ? [kept] : []) : [t])),
  });
}

function resolveLocal(doc: Json, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = doc;
  for (const token of ref.slice(2).split('/')) node = isObject(node) ? node[token.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  return node;
}
