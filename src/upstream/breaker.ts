// A per-source circuit breaker with Caddy's two-method shape: ask `allow()` before a
// call, `record(ok)` after it. It keeps a failing service from being hammered (and the
// gateway from queueing work behind dead connections): after `failureThreshold`
// consecutive failures it opens and rejects at once; after `openMs` it half-opens and
// lets exactly one probe call through, whose outcome closes or re-opens it.
// Time comes from an injected clock so tests can move it without waiting.

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

  /** The outcome of one call (one attempt): `ok` false for network errors, timeouts and 5xx. */
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
