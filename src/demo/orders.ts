// The Orders demo service: the order book, filterable by customer, plus placing an
// order. Implements sources/orders.yaml. Orders refer to customers and products only
// by id; it is the gateway that joins them. Orders placed with POST live in this server
// instance only.
import { createServer, type Server } from 'node:http';
import { seedOrders } from './data.ts';
import { errorReply, HttpError, isJsonObject, type JsonReply } from './http.ts';
import { nextId, type Order } from './model.ts';
import { parseLimit } from './params.ts';
import { createRouter, type RouterOptions } from './router.ts';

const MAX_QUANTITY = 1000;

export interface OrdersServerOptions extends RouterOptions {
  /** Clock for `createdAt` of placed orders; tests pass a fixed one. */
  readonly now?: () => Date;
}

/** Checks a `NewOrder` body; extra properties are ignored, as most services do. */
function parseNewOrder(body: unknown): Pick<Order, 'customerId' | 'productId' | 'quantity'> {
  if (!isJsonObject(body)) throw new HttpError(400, 'Body must be a JSON object (a NewOrder)');
  const { customerId, productId, quantity } = body;
  if (typeof customerId !== 'string' || customerId === '') throw new HttpError(400, 'customerId must be a non-empty string');
  if (typeof productId !== 'string' || productId === '') throw new HttpError(400, 'productId must be a non-empty string');
  if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY) {
    throw new HttpError(400, `quantity must be an integer from 1 to ${MAX_QUANTITY}`);
  }
  return { customerId, productId, quantity };
}

export function createOrdersServer(options: OrdersServerOptions = {}): Server {
  const now = options.now ?? (() => new Date());
  // A Map iterates in insertion order: ascending id, which is also placing order.
  const byId = new Map(seedOrders().map((order) => [order.id, order]));

  const list = (query: URLSearchParams): JsonReply => {
    const limit = parseLimit(query);
    const customerId = query.get('customerId');
    const matching = [...byId.values()].filter((order) => customerId === null || order.customerId === customerId);
    return { status: 200, body: matching.slice(0, limit) };
  };

  const one = (id: string): JsonReply => {
    const order = byId.get(id);
    return order ? { status: 200, body: order } : errorReply(404, `Order ${id} not found`);
  };

  const create = (body: unknown): JsonReply => {
    const order: Order = { id: nextId(byId.keys()), ...parseNewOrder(body), status: 'pending', createdAt: now().toISOString() };
    byId.set(order.id, order);
    return { status: 201, body: order, headers: { location: `/orders/${order.id}` } };
  };

  return createServer(
    createRouter(
      [
        { method: 'GET', path: '/orders', handle: ({ url }) => list(url.searchParams) },
        { method: 'POST', path: '/orders', handle: async ({ body }) => create(await body()) },
        { method: 'GET', path: '/orders/{id}', handle: ({ params }) => one(params.id!) },
      ],
      options,
    ),
  );
}
