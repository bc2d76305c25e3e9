// The Customers demo service: read-only, with a bulk lookup. Implements
// sources/customers.yaml; the bulk endpoint deliberately answers out of request order
// and leaves out unknown ids, as real bulk APIs do, so the gateway's link batching has
// to match results to keys by value.
import { createServer, type Server } from 'node:http';
import { seedCustomers } from './data.ts';
import { errorReply, type JsonReply } from './http.ts';
import { compareIds, type Customer } from './model.ts';
import { parseIdList, parseLimit } from './params.ts';
import { createRouter, type RouterOptions } from './router.ts';

/** `maxItems` of the `ids` parameter in the spec. */
export const MAX_BULK_IDS = 100;

export function createCustomersServer(options: RouterOptions = {}): Server {
  const customers: readonly Customer[] = seedCustomers();
  const byId = new Map(customers.map((customer) => [customer.id, customer]));

  const list = (query: URLSearchParams): JsonReply => {
    const limit = parseLimit(query);
    return { status: 200, body: customers.slice(0, limit) };
  };

  const bulk = (query: URLSearchParams): JsonReply => {
    const found = parseIdList(query, 'ids', MAX_BULK_IDS).flatMap((id) => byId.get(id) ?? []);
    // Descending by id: deterministic, and never the request order for more than one id.
    return { status: 200, body: found.sort((a, b) => compareIds(b.id, a.id)) };
  };

  const one = (id: string): JsonReply => {
    const customer = byId.get(id);
    return customer ? { status: 200, body: customer } : errorReply(404, `Customer ${id} not found`);
  };

  return createServer(
    createRouter(
      [
        { method: 'GET', path: '/customers', handle: ({ url }) => list(url.searchParams) },
        { method: 'GET', path: '/customers/bulk', handle: ({ url }) => bulk(url.searchParams) },
        { method: 'GET', path: '/customers/{id}', handle: ({ params }) => one(params.id!) },
      ],
      options,
    ),
  );
}
