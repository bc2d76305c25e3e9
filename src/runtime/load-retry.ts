// Background retries of a source whose document could not be read: a service that is
// down when the gateway starts (or restarts with it, in a deploy) comes back later, and
// its source should join the schema then without anyone restarting the gateway. One
// retry per source, with exponential backoff and jitter (p-retry); `attempt` builds and
// swaps in a generation (gateway.ts) and throws while the source still fails.
import pRetry, { AbortError } from 'p-retry';
import type { LoadRetrySettings } from '../config/schema.ts';

export interface LoadRetry {
  readonly source: string;
  /** Attempts made so far. */
  readonly attempts: number;
  /** Stops retrying: no attempt starts after this (one in flight finishes, unswapped by its caller). */
  stop(): void;
  /** Settles when the source loaded (true) or the retry was stopped (false). */
  readonly done: Promise<boolean>;
}

export interface LoadRetryOptions {
  readonly source: string;
  readonly settings: LoadRetrySettings;
  /** One attempt; resolves when the source loaded and is served. */
  attempt(signal: AbortSignal): Promise<void>;
  /** After a failed attempt, before the wait. */
  onFailure?(error: Error, attempt: number): void;
}

export function retryLoad(options: LoadRetryOptions): LoadRetry {
  const controller = new AbortController();
  let attempts = 0;
  const done = pRetry(
    async () => {
      if (controller.signal.aborted) throw new AbortError('stopped');
      attempts++;
      await options.attempt(controller.signal);
    },
    {
      retries: Number.POSITIVE_INFINITY,
      factor: 2,
      minTimeout: options.settings.initialDelayMs,
      maxTimeout: options.settings.maxDelayMs,
      // Replicas that lost the same service retry at different times, not in step.
      randomize: true,
      signal: controller.signal,
      // A pending wait must not keep a process that is otherwise done alive.
      unref: true,
      onFailedAttempt: ({ error, attemptNumber }) => {
        if (!controller.signal.aborted) options.onFailure?.(error, attemptNumber);
      },
    },
  ).then(
    () => true,
    () => false,
  );
  return {
    source: options.source,
    get attempts() {
      return attempts;
    },
    stop: () => controller.abort(),
    done,
  };
}
