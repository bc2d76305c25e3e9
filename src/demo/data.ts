// Deterministic seed data for the demo services: the same ids, names and orders on every
// start, so that docs, examples and tests can name real records ("customer 7") and
// benchmark runs are comparable. No randomness and no clock: customers and products
// are written out, orders are derived from their index.
import type { Currency, Customer, CustomerTier, Order, OrderStatus, Product } from './model.ts';

export const CUSTOMER_COUNT = 20;
export const PRODUCT_COUNT = 15;
export const ORDER_COUNT = 200;

const CUSTOMER_NAMES = [
  'Ada Lovelace',
  'Alan Turing',
  'Grace Hopper',
  'Edsger Dijkstra',
  'Barbara Liskov',
  'Donald Knuth',
  'Margaret Hamilton',
  'John McCarthy',
  'Frances Allen',
  'Ken Thompson',
  'Radia Perlman',
  'Dennis Ritchie',
  'Hedy Lamarr',
  'Tim Berners-Lee',
  'Karen Sparck Jones',
  'Niklaus Wirth',
  'Annie Easley',
  'Leslie Lamport',
  'Katherine Johnson',
  'Tony Hoare',
] as const;

const COUNTRY_CODES = ['GB', 'DE', 'US', 'NL', 'FR', 'SE', 'JP', 'BR'] as const;

const PRODUCTS: ReadonlyArray<{ name: string; price: number; currency: Currency; tags: readonly string[] }> = [
  { name: 'Espresso Beans 1kg', price: 24.9, currency: 'EUR', tags: ['coffee', 'food'] },
  { name: 'Pour-Over Kettle', price: 49, currency: 'EUR', tags: ['coffee', 'kitchen'] },
  { name: 'Ceramic Mug', price: 12.5, currency: 'EUR', tags: ['kitchen'] },
  { name: 'Mechanical Keyboard', price: 129.99, currency: 'USD', tags: ['office', 'electronics'] },
  { name: 'Desk Lamp', price: 39.95, currency: 'EUR', tags: ['office', 'lighting'] },
  { name: 'Notebook A5', price: 6.2, currency: 'GBP', tags: ['office', 'paper'] },
  { name: 'Fountain Pen', price: 34, currency: 'GBP', tags: ['office'] },
  { name: 'Hiking Backpack 30L', price: 89, currency: 'EUR', tags: ['outdoor'] },
  { name: 'Water Bottle', price: 18.75, currency: 'EUR', tags: ['outdoor', 'kitchen'] },
  { name: 'Noise-Cancelling Headphones', price: 249, currency: 'USD', tags: ['electronics', 'audio'] },
  { name: 'USB-C Cable 2m', price: 9.99, currency: 'USD', tags: ['electronics'] },
  { name: 'Green Tea 100g', price: 7.4, currency: 'EUR', tags: ['tea', 'food'] },
  { name: 'Cast Iron Pan', price: 59, currency: 'EUR', tags: ['kitchen'] },
  { name: 'Rain Jacket', price: 119, currency: 'GBP', tags: ['outdoor', 'clothing'] },
  { name: 'Gift Card', price: 25, currency: 'EUR', tags: [] },
];

/** Every fifth customer is gold, two in five silver, the rest bronze. */
function tierFor(index: number): CustomerTier {
  const slot = index % 5;
  return slot === 0 ? 'gold' : slot <= 2 ? 'silver' : 'bronze';
}

function emailFor(name: string): string {
  return `${name.toLowerCase().replace(/[^a-z]+/g, '.')}@example.com`;
}

/** A fresh copy of the 20 seed customers, ids "1" to "20". */
export function seedCustomers(): Customer[] {
  return CUSTOMER_NAMES.map((name, index) => ({
    id: String(index + 1),
    name,
    email: emailFor(name),
    tier: tierFor(index),
    countryCode: COUNTRY_CODES[(index * 3) % COUNTRY_CODES.length]!,
  }));
}

/** A fresh copy of the 15 seed products, ids "1" to "15". */
export function seedProducts(): Product[] {
  return PRODUCTS.map((product, index) => ({ id: String(index + 1), ...product, tags: [...product.tags] }));
}

// Orders are placed every 7 hours and 13-ish minutes from this instant on.
const FIRST_ORDER_AT = Date.UTC(2024, 0, 1, 8, 0, 0);
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/**
 * Older orders are further along: the oldest 60% delivered (every 17th cancelled), then
 * shipped, paid, and the newest still pending — as in a real order book.
 */
function statusFor(index: number): OrderStatus {
  if (index % 17 === 16) return 'cancelled';
  const position = index / ORDER_COUNT;
  if (position < 0.6) return 'delivered';
  if (position < 0.8) return 'shipped';
  if (position < 0.925) return 'paid';
  return 'pending';
}

/**
 * A fresh copy of the 200 seed orders, ids "1" to "200" in the order they were placed.
 * Customer i gets every 20th order (7 is coprime with 20, so all customers get 10);
 * the `round` term shifts product and quantity from one round of 20 orders to the next,
 * so a customer's orders are for different products in different quantities.
 */
export function seedOrders(): Order[] {
  return Array.from({ length: ORDER_COUNT }, (_, index) => {
    const round = Math.floor(index / CUSTOMER_COUNT);
    return {
      id: String(index + 1),
      customerId: String(((index * 7) % CUSTOMER_COUNT) + 1),
      productId: String(((index * 2 + round) % PRODUCT_COUNT) + 1),
      quantity: ((index * 3 + round) % 5) + 1,
      status: statusFor(index),
      createdAt: new Date(FIRST_ORDER_AT + index * 7 * HOUR_MS + ((index * 13) % 60) * MINUTE_MS).toISOString(),
    };
  });
}
