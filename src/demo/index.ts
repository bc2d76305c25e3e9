// Starts the three demo REST services (customers, orders, products) that ship with
// Tributary, each on its own port, as `npm start` and the tests do. The services
// implement the OpenAPI documents in sources/; see those for what each endpoint does.
import type { Server } from 'node:http';
import { createCallRecorder, type CallLog, type DemoServiceName } from './call-log.ts';
import { createCustomersServer } from './customers.ts';
import { close, listen } from './listen.ts';
import { createOrdersServer } from './orders.ts';
import { createProductsServer } from './products.ts';
import type { RouterOptions } from './router.ts';

export type { CallLog, DemoServiceName } from './call-log.ts';
export type { Currency, Customer, CustomerTier, Order, OrderStatus, Product } from './model.ts';
export { CUSTOMER_COUNT, ORDER_COUNT, PRODUCT_COUNT, seedCustomers, seedOrders, seedProducts } from './data.ts';

export interface DemoServicesOptions {
  /** Interface to listen on. Default `127.0.0.1`: the demo is not meant to be reachable from outside. */
  readonly host?: string;
  /** Port per service; 0 or absent picks a free port. */
  readonly ports?: Partial<Record<DemoServiceName, number>>;
}

export interface DemoServices {
  /** Base URL per service, e.g. `http://127.0.0.1:41234`; paths in the specs go after it. */
  readonly urls: Readonly<Record<DemoServiceName, string>>;
  /** Every request received so far by any of the three, in arrival order (a copy). */
  calls(): CallLog[];
  resetCalls(): void;
  /** Stops all three services and drops their connections. Safe to call more than once. */
  close(): Promise<void>;
}

/**
 * Fixed ports for running the demo by hand (src/demo/main.ts), next to the gateway's
 * default 4000. Tests use port 0 instead, so they can run in parallel.
 */
export const DEMO_PORTS: Readonly<Record<DemoServiceName, number>> = { customers: 4001, orders: 4002, products: 4003 };

const SERVICE_FACTORIES: Readonly<Record<DemoServiceName, (options: RouterOptions) => Server>> = {
  customers: createCustomersServer,
  orders: createOrdersServer,
  products: createProductsServer,
};

const SERVICE_NAMES = Object.keys(SERVICE_FACTORIES) as DemoServiceName[];

export async function startDemoServices(options: DemoServicesOptions = {}): Promise<DemoServices> {
  const host = options.host ?? '127.0.0.1';
  const recorder = createCallRecorder();
  const servers = SERVICE_NAMES.map((service) => ({
    service,
    server: SERVICE_FACTORIES[service]({ onRequest: ({ method, url }) => recorder.record({ service, method, url }) }),
  }));
  const closeAll = async (): Promise<void> => {
    await Promise.all(servers.map(({ server }) => close(server)));
  };

  const started = await Promise.allSettled(servers.map(({ service, server }) => listen(server, host, options.ports?.[service] ?? 0)));
  const failure = started.find((result) => result.status === 'rejected');
  if (failure) {
    // Do not leave the services that did start running (and holding their ports).
    await closeAll();
    throw failure.reason;
  }

  const urls = Object.fromEntries(servers.map(({ service }, index) => [service, (started[index] as PromiseFulfilledResult<string>).value])) as Record<
    DemoServiceName,
    string
  >;

  return {
    urls,
    calls: () => recorder.list(),
    resetCalls: () => recorder.reset(),
    close: closeAll,
  };
}
