// A record of every request the demo services received, for tests that assert how the
// gateway talks to its upstreams (one bulk call instead of N, no call at all when
// cached, ...). It belongs to one startDemoServices() instance, so parallel test files
// never see each other's calls.

export type DemoServiceName = 'customers' | 'orders' | 'products';

export interface CallLog {
  readonly service: DemoServiceName;
  /** Upper-case HTTP method as received. */
  readonly method: string;
  /** Path and query exactly as received, e.g. `/customers/bulk?ids=1,2`. */
  readonly url: string;
}

export interface CallRecorder {
  record(call: CallLog): void;
  /** A copy of the calls so far, in arrival order. */
  list(): CallLog[];
  reset(): void;
}

export function createCallRecorder(): CallRecorder {
  const calls: CallLog[] = [];
  return {
    record: (call) => {
      calls.push(call);
    },
    list: () => [...calls],
    reset: () => {
      calls.length = 0;
    },
  };
}
