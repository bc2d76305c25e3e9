// Subscription fields from OpenAPI callbacks (OAS 3.0.3 §4.7.16) and OAS 3.1 webhooks
// (openapi/webhooks.ts maps those to callbacks). Mesh's loader makes one Subscription
// field per callback URL, typed after the callback's request body, annotated
// `@pubsubOperation(pubsubTopic: "webhook:<method>:<URL expression>")` — the expression
// with its runtime parts (`{$request.body#/callbackUrl}`) as arguments of the field
// (`{args.callbackUrl}`). Mesh's transport would listen on a pubsub from the context
// that Tributary does not have, so every such field failed; here it listens on the
// gateway's webhook events instead (context.ts WebhookEvents):
//
//   - the key of the field is its name as the source defines it (the callback's or the
//     webhook's operationId, else its name): calls to `/webhooks/<source>/<key>[/…]` are
//     its events (subscriptions/webhook-route.ts), whatever transforms rename it to;
//   - its arguments filter them: with none given, every call to the key is an event;
//     with some, the callback URL the arguments make (the expression, filled in) must
//     name the path the call was posted to. A client that registered
//     `https://gateway/webhooks/Billing/onPaid/c42` as its callback URL subscribes with
//     that URL and gets the calls made to it, not those made for other registrations;
//   - an event resolves to the call's body;
//   - the source's outbound rules judge the subscription as they judge a call to the
//     source (upstream/client.ts admit): with `auth.sources.<name>: required` an
//     anonymous client may not listen to that source's events either.
import { isObjectType, type GraphQLSchema } from 'graphql';
import { filter } from 'graphql-yoga';
import { getDirective } from '@graphql-tools/utils';
import { stringInterpolator } from '@graphql-mesh/string-interpolation';
import { TributaryError } from '../errors.ts';
import { webhookTopic, type TributaryContext, type WebhookEvent, type WebhookField } from '../context.ts';
import type { SpecWarning } from '../openapi/spec-warning.ts';
import type { UpstreamClient } from '../upstream/types.ts';

const TOPIC = /^webhook:([a-z]+):(.*)$/s;
/** Any base: only the path of a filled-in callback URL is compared. */
const BASE = 'http://gateway.invalid/';

/** Wires every `@pubsubOperation` field of a source's Subscription type to the webhook events. */
export function wireWebhookSubscriptions(schema: GraphQLSchema, source: string, upstream: UpstreamClient): SpecWarning[] {
  const warnings: SpecWarning[] = [];
  const root = schema.getSubscriptionType();
  if (!root || !isObjectType(root)) return warnings;
  for (const field of Object.values(root.getFields())) {
    const topic = getDirective(schema, field, 'pubsubOperation')?.[0]?.pubsubTopic as string | undefined;
    const match = topic === undefined ? null : TOPIC.exec(topic);
    if (!match) {
      if (topic !== undefined)
        warnings.push({
          pointer: '#',
          problem: `Subscription.${field.name} has a topic "${topic}" that is not a callback's`,
          action: 'the field answers every subscription with an error',
        });
      continue;
    }
    const [, method, template] = match;
    const key = field.name;
    const webhook: WebhookField = { source, key, method: method.toUpperCase() };
    const topicName = webhookTopic(source, key);
    field.subscribe = async function webhookSubscribe(_root, args: Record<string, unknown>, context: TributaryContext) {
      const events = context.webhookEvents;
      if (!events) throw new TributaryError('INTERNAL_SERVER_ERROR', 'This gateway does not serve subscriptions.');
      if (context.scope) await upstream.admit(source, context.scope);
      const wanted = callbackPath(template, args);
      const all = await events.subscribe(topicName);
      return wanted === undefined ? all : filter((event: WebhookEvent) => event.path === wanted)(all);
    };
    field.resolve = (event: WebhookEvent) => event.body;
    field.extensions = { ...field.extensions, tributaryWebhook: webhook };
  }
  return warnings;
}

/**
 * The path of the callback URL the subscriber's arguments make, or undefined when they
 * make none (the expression has no arguments, or none was given): then nothing is filtered.
 */
function callbackPath(template: string, args: Record<string, unknown>): string | undefined {
  const names = [...template.matchAll(/\{args\.([^}]+)\}/g)].map((m) => m[1]);
  if (!names.some((name) => args[name] !== undefined && args[name] !== null)) return undefined;
  const url = stringInterpolator.parse(template, { args }) as string;
  try {
    return new URL(url, BASE).pathname;
  } catch {
    // A value that is no URL names no path the route serves: nothing matches it.
    return '\0';
  }
}
