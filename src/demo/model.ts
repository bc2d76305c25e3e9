// The shapes the three demo services serve. They mirror the component schemas in
// `sources/*.yaml` field for field, because the gateway derives its GraphQL types from
// those documents: a field here that the spec lacks would be invisible, and a spec field
// missing here would be a non-null field resolving to null. test/demo checks both.

export const CUSTOMER_TIERS = ['gold', 'silver', 'bronze'] as const;
export type CustomerTier = (typeof CUSTOMER_TIERS)[number];

export const CURRENCIES = ['EUR', 'USD', 'GBP'] as const;
export type Currency = (typeof CURRENCIES)[number];

export const ORDER_STATUSES = ['pending', 'paid', 'shipped', 'delivered', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export interface Customer {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly tier: CustomerTier;
  /** ISO 3166-1 alpha-2. */
  readonly countryCode: string;
}

export interface Product {
  readonly id: string;
  readonly name: string;
  readonly price: number;
  readonly currency: Currency;
  readonly tags: readonly string[];
}

export interface Order {
  readonly id: string;
  readonly customerId: string;
  readonly productId: string;
  readonly quantity: number;
  readonly status: OrderStatus;
  /** ISO 8601 UTC timestamp. */
  readonly createdAt: string;
}

/**
 * Orders ids the way a person would: numerically when both are numbers ("9" < "10"),
 * as text otherwise. Ids are strings in the API, but the demo's are all digits.
 */
export function compareIds(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** The next free id in a store of numeric-string ids (max + 1; "1" for an empty store). */
export function nextId(existing: Iterable<string>): string {
  let max = 0;
  for (const id of existing) max = Math.max(max, Number.parseInt(id, 10) || 0);
  return String(max + 1);
}
