// Circuit breaking, and what may count against a service.
//
// A breaker exists to stop the gateway from hammering a service that is down and from
// queueing work behind dead connections. It must never become a switch a client can
// flip: if one caller's input, or one broken endpoint, can open it, every other caller
// loses the service too. So the design is decided by what a failure says, and about whom:
//
// - Per logical call, not per attempt. A GET retried twice is one call that failed once;
//   counting attempts would let one request add three failures (client.ts records after
//   the retry loop has settled).
// - Two scopes. Failures to connect at all — refused, DNS, connect timeout, TLS — say
//   the *host* is unwell (no byte of the request reached it), so they count against the
//   source, and an open source circuit rejects every call to it. 5xx answers, response
//   timeouts and a connection the service broke after the request went out say *this
//   operation* (method + path template, `GET /users/{id}`) is unwell:
//   the host answered. They count against that operation only, and an open operation
//   circuit rejects only it; a client that makes one endpoint fail (or a slow argument)
//   can at worst suspend that endpoint.
// - Never counted: 4xx (the service judged the request), the caller going away, a
//   request undici refused to send (no byte left the gateway), and an answer over the
//   size cap (the service answered; the cap is ours). Argument values a request cannot
//   carry are refused before any call (src/schema/), so they never reach here at all.
//
// This is close to two well-known designs. Envoy's outlier detection watches each
// upstream host for consecutive 5xx or gateway errors (connect failures, resets, 502-504)
// and ejects that host from the load-balancing set for a growing time; Tributary has one
// endpoint per source, so "ejecting the host" is opening the source circuit, and it does
// that only for failures that are the host's. Hystrix wraps each command (a named
// dependency call) in its own breaker, so one slow command cannot take its neighbours
// down; an operation circuit here is such a per-command breaker, keyed by the operation.
//
// Each circuit has Caddy's two-method shape: ask `allow()` before a call, `record(ok)`
// after it. After `failureThreshold` consecutive failures it opens and rejects at once;
// after `openMs` it half-opens and lets exactly one probe call through, whose outcome
// closes or re-opens it. A probe that ends with no verdict (see above) hands its slot
// back with `release()`. Time comes from an injected clock so tests can move it.

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  /** Consecutive failures that open the circuit. */
  readonly failureThreshold: number;
  /** How long the circuit stays open before a probe is let through. */
  readonly openMs: number;
  readonly now: () => number;
  /** Told about every state change, e.g. to log it. */
  readonly onChange?: (from: BreakerState, to: BreakerState) => void;
}

export class CircuitBreaker {
  readonly #options: BreakerOptions;
  #state: BreakerState = 'closed';
  #failures = 0;
  #openedAt = 0;
  /** When the half-open probe was let through; undefined while no probe is out. */
  #probeSince: number | undefined;

  constructor(options: BreakerOptions) {
    this.#options = options;
  }

  /** The state now; an open circuit whose wait is over reads as half-open. */
  get state(): BreakerState {
    if (this.#state === 'open' && this.#options.now() - this.#openedAt >= this.#options.openMs) {
      this.#move('half-open');
    }
    return this.#state;
  }

  /** True when the circuit is closed and remembers no failure: as good as a new one. */
  get idle(): boolean {
    return this.#state === 'closed' && this.#failures === 0;
  }

  /** Whether a call may go out now. In half-open, the `true` claims the one probe slot. */
  allow(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open') return false;
    // Half-open: one probe at a time. A probe that never reports (its caller went away
    // before an outcome) must not wedge the breaker, so its slot expires after openMs.
    const now = this.#options.now();
    if (this.#probeSince !== undefined && now - this.#probeSince < this.#options.openMs) return false;
    this.#probeSince = now;
    return true;
  }

  /**
   * The probe let through by `allow()` ended without a verdict (the caller went away, the
   * call was refused by another circuit): the next call may probe at once. Only the
   * caller that claimed the slot (it saw `half-open` just before `allow()`) calls this.
   */
  release(): void {
    if (this.#state === 'half-open') this.#probeSince = undefined;
  }

  /** The outcome of one logical call: `ok` false for a failure in this circuit's scope. */
  record(ok: boolean): void {
    const state = this.state;
    if (ok) {
      this.#failures = 0;
      if (state !== 'closed') this.#move('closed');
      return;
    }
    this.#failures += 1;
    // A failed probe re-opens at once; a closed circuit waits for the threshold. A late
    // failure while already open restarts nothing: the wait runs from the opening.
    if (state === 'half-open' || (state === 'closed' && this.#failures >= this.#options.failureThreshold)) {
      this.#openedAt = this.#options.now();
      this.#move('open');
    }
  }

  #move(to: BreakerState): void {
    const from = this.#state;
    if (from === to) return;
    this.#state = to;
    this.#probeSince = undefined;
    if (to === 'closed') this.#failures = 0;
    this.#options.onChange?.(from, to);
  }
}
