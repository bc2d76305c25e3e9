// A shop for the incremental-delivery suite: Orders (a list, each order naming its
// customer and carrying tags) and Customers (a bulk lookup by ids). The customers
// endpoint can be held by the test: it records the call, then waits until the test opens
// the gate, so a test can tell "the first part arrived while the deferred call was still
// unanswered" without any clock. It can also be told to fail, or to answer a value that
// does not fit its field.
import { startBackend, type Backend } from '../helpers/backend.ts';
import { arrayOf, getOp, INTEGER, objectOf, openapiDoc, queryParam, ref, STRING, writeSources } from '../helpers/openapi.ts';

export const ORDERS = Array.from({ length: 30 }, (_, i) => ({
  id: `o${i + 1}`,
  customerId: `c${(i % 5) + 1}`,
  tags: [`t${i + 1}a`, `t${i + 1}b`, `t${i + 1}c`],
}));
export const CUSTOMERS = Array.from({ length: 5 }, (_, i) => ({ id: `c${i + 1}`, name: `Customer ${i + 1}` }));

const ordersSpec = openapiDoc({
  title: 'Orders',
  paths: { '/orders': getOp('orders', { params: [queryParam('limit', INTEGER)], response: arrayOf(ref('Order')) }) },
  schemas: { Order: objectOf({ id: STRING, customerId: STRING, tags: arrayOf(STRING) }) },
});

const customersSpec = openapiDoc({
  title: 'Customers',
  paths: {
    '/customers': getOp('customersByIds', {
      params: [queryParam('ids', arrayOf(STRING), { required: true, style: 'form', explode: false })],
      response: arrayOf(ref('Customer')),
    }),
  },
  schemas: { Customer: objectOf({ id: STRING, name: STRING }) },
});

/** A promise the test resolves: the held upstream answers once it is opened. */
export interface Gate {
  readonly opened: Promise<void>;
  open(): void;
}

export function gate(): Gate {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

export interface Shop {
  readonly orders: Backend;
  readonly customers: Backend;
  /** When set, /customers waits for it before answering. */
  hold: Gate | undefined;
  /** When set, /customers answers this status with an error body. */
  failWith: number | undefined;
  /** Customer ids whose `name` comes back as an object (a value that is not a String). */
  readonly badNames: Set<string>;
  /** Writes specs and a config (the link below, plus `tributary` lines) and returns the config path. */
  config(tributary?: string): Promise<string>;
  reset(): void;
  close(): Promise<void>;
}

export async function startShop(): Promise<Shop> {
  const orders = await startBackend((_req, url) => {
    if (url.pathname !== '/orders') return undefined;
    return { status: 200, body: ORDERS.slice(0, Number(url.searchParams.get('limit') ?? ORDERS.length)) };
  });
  const shop: Shop = {
    orders,
    customers: await startBackend(async (_req, url) => {
      if (url.pathname !== '/customers') return undefined;
      if (shop.hold) await shop.hold.opened;
      if (shop.failWith) return { status: shop.failWith, body: { message: 'customers are down' } };
      const ids = url.searchParams.getAll('ids').flatMap((v) => v.split(','));
      const found = CUSTOMERS.filter((c) => ids.includes(c.id)).map((c) => (shop.badNames.has(c.id) ? { ...c, name: { secret: 'card 4242' } } : c));
      return { status: 200, body: found.reverse() };
    }),
    hold: undefined,
    failWith: undefined,
    badNames: new Set(),
    async config(tributary = '') {
      const links = '  links:\n    - { field: Order.customer, target: customersByIds, key: customerId, keysArg: ids, valueKey: id }\n';
      const dir = await writeSources({
        specs: { 'orders.yaml': ordersSpec, 'customers.yaml': customersSpec },
        sources: [
          { name: 'Orders', spec: 'orders.yaml', endpoint: orders.url },
          { name: 'Customers', spec: 'customers.yaml', endpoint: shop.customers.url },
        ],
        tributary: links + tributary,
      });
      return `${dir}/.meshrc.yaml`;
    },
    reset() {
      orders.calls.length = 0;
      shop.customers.calls.length = 0;
      shop.hold = undefined;
      shop.failWith = undefined;
      shop.badNames.clear();
    },
    async close() {
      shop.hold?.open();
      await Promise.all([orders.close(), shop.customers.close()]);
    },
  };
  return shop;
}

/** The ids one bulk call asked for, sorted. */
export function askedIds(call: { url: string }): string[] {
  const url = new URL(call.url, 'http://x');
  return url.searchParams
    .getAll('ids')
    .flatMap((v) => v.split(','))
    .sort();
}

type Json = Record<string, unknown>;

/** One payload of an incremental answer, as Yoga sends it (the incremental-delivery RFC's format). */
export interface Payload {
  data?: Json | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Json }>;
  hasNext?: boolean;
  incremental?: Array<{ data?: Json | null; items?: unknown[]; path: Array<string | number>; label?: string; errors?: Payload['errors'] }>;
}

/** The whole answer that the payloads add up to: what a client's cache ends up with. */
export function merged(payloads: readonly Payload[]): Json {
  const result = structuredClone(payloads[0]?.data ?? {}) as Json;
  for (const payload of payloads.slice(1)) {
    for (const part of payload.incremental ?? []) {
      if (part.items) {
        const list = at(result, part.path.slice(0, -1)) as unknown[];
        list.splice(part.path[part.path.length - 1] as number, part.items.length, ...part.items);
      } else if (part.data) deepMerge(at(result, part.path) as Json, part.data);
    }
  }
  return result;
}

function at(value: unknown, path: ReadonlyArray<string | number>): unknown {
  return path.reduce<unknown>((v, key) => (v as Record<string | number, unknown>)[key], value);
}

function deepMerge(target: Json, source: Json): void {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (existing && value && typeof existing === 'object' && typeof value === 'object' && !Array.isArray(value)) deepMerge(existing as Json, value as Json);
    else target[key] = value;
  }
}
