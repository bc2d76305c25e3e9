// Cold start with a large real document: Stripe's OpenAPI 3 spec (4 MB of YAML, ~7,500
// GraphQL types) from the shared corpus, read in place (never copied into the repo).
// The first query is a real call, not `__typename`: `GetBalance` returns a union
// (`Balance | error`, by status code), so the answer also shows that abstract types
// resolve.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ColdStartScenario } from './types.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const STRIPE_SPEC = path.resolve(ROOT, '..', 'shared', 'corpus', 'stripe__spec3.2023-09-12.yaml');

const BALANCE = {
  object: 'balance',
  livemode: false,
  available: [{ amount: 125_000, currency: 'usd', source_types: { card: 125_000 } }],
  pending: [{ amount: 4_200, currency: 'usd', source_types: { card: 4_200 } }],
};

export const stripeColdStart: ColdStartScenario = {
  kind: 'cold-start',
  name: 'stripe-cold-start',
  title: 'cold start, Stripe spec',
  description:
    "Process start to the first correct answer of `GetBalance` with Stripe's 4 MB OpenAPI document (`stripe__spec3.2023-09-12.yaml`), and resident memory right after.",
  query: '{ GetBalance { ... on Balance { livemode available { amount currency } pending { amount currency } } } }',
  expected: {
    GetBalance: {
      livemode: false,
      available: [{ amount: 125_000, currency: 'usd' }],
      pending: [{ amount: 4_200, currency: 'usd' }],
    },
  },
  backend: { kind: 'mock', services: { stripe: { collections: {}, routes: [{ path: '/v1/balance', body: BALANCE }] } } },
  sources: [{ name: 'Stripe', service: 'stripe', openapi: { file: STRIPE_SPEC } }],
  tributary: {},
  stockMesh: { meshrc: {} },
};
