// The Products demo service: a catalogue with per-id lookup only (no bulk endpoint, so
// the gateway resolves `Order.product` one id at a time) and a create operation.
// Implements sources/products.yaml. Products added with POST live in this server
// instance only.
import { createServer, type Server } from 'node:http';
import { seedProducts } from './data.ts';
import { errorReply, HttpError, isJsonObject, type JsonReply } from './http.ts';
import { CURRENCIES, nextId, type Currency, type Product } from './model.ts';
import { createRouter, type RouterOptions } from './router.ts';

const MAX_NAME_LENGTH = 200;

/** Checks a `NewProduct` body; extra properties are ignored, as most services do. */
function parseNewProduct(body: unknown): Omit<Product, 'id'> {
  if (!isJsonObject(body)) throw new HttpError(400, 'Body must be a JSON object (a NewProduct)');
  const { name, price, currency, tags } = body;
  if (typeof name !== 'string' || name.trim() === '' || name.length > MAX_NAME_LENGTH) {
    throw new HttpError(400, `name must be a non-empty string of at most ${MAX_NAME_LENGTH} characters`);
  }
  if (typeof price !== 'number' || !Number.isFinite(price) || price < 0 || Math.round(price * 100) / 100 !== price) {
    throw new HttpError(400, 'price must be a number of zero or more with at most two decimals');
  }
  if (typeof currency !== 'string' || !(CURRENCIES as readonly string[]).includes(currency)) {
    throw new HttpError(400, `currency must be one of ${CURRENCIES.join(', ')}`);
  }
  // Clients that send every optional field (null when unset) mean "no tags" too.
  if (tags !== undefined && tags !== null && (!Array.isArray(tags) || !tags.every((tag) => typeof tag === 'string'))) {
    throw new HttpError(400, 'tags must be an array of strings');
  }
  return { name, price, currency: currency as Currency, tags: Array.isArray(tags) ? [...(tags as string[])] : [] };
}

export function createProductsServer(options: RouterOptions = {}): Server {
  const byId = new Map(seedProducts().map((product) => [product.id, product]));

  const one = (id: string): JsonReply => {
    const product = byId.get(id);
    return product ? { status: 200, body: product } : errorReply(404, `Product ${id} not found`);
  };

  const create = (body: unknown): JsonReply => {
    const product: Product = { id: nextId(byId.keys()), ...parseNewProduct(body) };
    byId.set(product.id, product);
    return { status: 201, body: product, headers: { location: `/products/${product.id}` } };
  };

  return createServer(
    createRouter(
      [
        // A Map iterates in insertion order, which is ascending id order here.
        { method: 'GET', path: '/products', handle: () => ({ status: 200, body: [...byId.values()] }) },
        { method: 'POST', path: '/products', handle: async ({ body }) => create(await body()) },
        { method: 'GET', path: '/products/{id}', handle: ({ params }) => one(params.id!) },
      ],
      options,
    ),
  );
}
