// The circuits of one source: one for the source itself, fed by connection-level
// failures, and one per operation (method + path template), fed by 5xx answers and
// response timeouts. Why two scopes, and what never counts, is in breaker.ts.
//
// An operation circuit exists only while it remembers a failure: it is created by the
// first one and dropped once a success leaves it closed and clean, so the hot path of a
// healthy source allocates nothing and the map holds only operations that are failing.
import type { Logger } from '../observability/log.ts';
import { CircuitBreaker, type BreakerState } from './breaker.ts';
import { upstreamCircuitOpen } from './errors.ts';

/** What one logical call says about each scope: true healthy, false failed, undefined nothing. */
export interface Verdict {
  readonly source?: boolean;
  readonly operation?: boolean;
}

/** A call let through, and whether it holds a half-open probe slot it may have to hand back. */
export interface Admission {
  readonly operation: string;
  readonly sourceProbe: boolean;
  readonly operationProbe: boolean;
}

export interface OpenOperation {
  readonly operation: string;
  readonly state: 'open' | 'half-open';
}

export interface SourceCircuitsOptions {
  readonly source: string;
  readonly failureThreshold: number;
  readonly openMs: number;
  readonly now: () => number;
  readonly logger: Logger;
}

/**
 * Operation keys come from path templates (bounded by the spec), but a caller could
 * pass anything; past this many failing operations, the rest share one circuit.
 */
const MAX_OPERATION_CIRCUITS = 1024;
const OVERFLOW_OPERATION = '*';

export class SourceCircuits {
  readonly #options: SourceCircuitsOptions;
  readonly #source: CircuitBreaker;
  readonly #operations = new Map<string, CircuitBreaker>();
  /** The operation of the call being admitted or settled, for the source circuit's log lines. */
  #current: string | undefined;

  constructor(options: SourceCircuitsOptions) {
    this.#options = options;
    const { source, logger } = options;
    this.#source = this.#breaker((from, to) => {
      const log = { source, operation: this.#current, from, to };
      if (to === 'open') logger.warn(log, `circuit for source "${source}" opened (last call: ${this.#current ?? 'unknown'})`);
      else logger.info(log, `circuit for source "${source}" is ${to}`);
    });
  }

  /** The source-level state, for /readyz and metrics. */
  get state(): BreakerState {
    return this.#source.state;
  }

  /** Operations whose own circuit is not closed, for /readyz. */
  openOperations(): OpenOperation[] {
    const out: OpenOperation[] = [];
    for (const [operation, breaker] of this.#operations) {
      const state = breaker.state;
      if (state !== 'closed') out.push({ operation, state });
    }
    return out;
  }

  /** Lets a call through, or throws UPSTREAM_CIRCUIT_OPEN naming the scope that refused it. */
  admit(operation: string): Admission {
    this.#current = operation;
    const sourceProbe = this.#source.state === 'half-open';
    if (!this.#source.allow()) throw upstreamCircuitOpen(this.#options.source);
    const breaker = this.#operations.get(this.#key(operation));
    const operationProbe = breaker?.state === 'half-open';
    if (breaker && !breaker.allow()) {
      if (sourceProbe) this.#source.release();
      throw upstreamCircuitOpen(this.#options.source, operation);
    }
    return { operation, sourceProbe, operationProbe };
  }

  /** Whether a call of `operation` would be refused now (no probe slot is claimed). */
  suspended(operation: string): boolean {
    return this.#source.state === 'open' || this.#operations.get(this.#key(operation))?.state === 'open';
  }

  /** Records the verdict of a call let through by `admit`, once, after its retries. */
  settle(admission: Admission, verdict: Verdict): void {
    const { operation } = admission;
    this.#current = operation;
    if (verdict.source !== undefined) this.#source.record(verdict.source);
    else if (admission.sourceProbe) this.#source.release();

    const key = this.#key(operation);
    let breaker = this.#operations.get(key);
    if (verdict.operation === false && !breaker) {
      breaker = this.#operationBreaker(key);
      this.#operations.set(key, breaker);
    }
    if (!breaker) return;
    if (verdict.operation !== undefined) breaker.record(verdict.operation);
    else if (admission.operationProbe) breaker.release();
    if (breaker.idle) this.#operations.delete(key);
  }

  #key(operation: string): string {
    return this.#operations.size < MAX_OPERATION_CIRCUITS || this.#operations.has(operation) ? operation : OVERFLOW_OPERATION;
  }

  #operationBreaker(operation: string): CircuitBreaker {
    const { source, logger } = this.#options;
    return this.#breaker((from, to) => {
      const log = { source, operation, from, to };
      if (to === 'open') logger.warn(log, `circuit for ${operation} of source "${source}" opened`);
      else logger.info(log, `circuit for ${operation} of source "${source}" is ${to}`);
    });
  }

  #breaker(onChange: (from: BreakerState, to: BreakerState) => void): CircuitBreaker {
    const { failureThreshold, openMs, now } = this.#options;
    return new CircuitBreaker({ failureThreshold, openMs, now, onChange });
  }
}
