// Memory around the first schema build. A build is a burst of allocation (a Stripe-sized
// spec: ~7,500 types, their AST, Mesh's directive processing). V8 grows the young
// generation whenever much of it survives a scavenge, so a build grew it to its maximum —
// 128 MB semi-spaces in a serving process (bin/serving-flags.js) — and V8 kept those pages
// while idle: ~40 MB more resident for good after start-up, for a young generation sized
// for serving load the gateway was not under.
//
// So the young generation is held at its starting size while the first schema is built
// (V8's --semi-space-growth-factor, read at each growth, set to 1: no growth), and
// released afterwards; under load it grows to its maximum as before — the throughput is
// the same (A/B in BENCHMARKS.md). A full collection then clears what the build left, a
// second after the build (~0.1 s on Stripe, a few ms on a small config).
//
// The flags are process-wide and only touched while nothing else runs (the first build);
// an operator's own --semi-space-growth-factor is left alone.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** V8's default growth factor (flag-definitions.h), restored after the build. */
const V8_DEFAULT_GROWTH_FACTOR = 2;

const OPERATOR_SET = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) =>
  a.replaceAll('_', '-').startsWith('--semi-space-growth-factor'),
);

/** Keeps the young generation at its current size until `releaseBuildMemory()`. */
export function holdYoungGeneration(): void {
  if (!OPERATOR_SET) setFlagsFromString('--semi-space-growth-factor=1');
}

type Collect = () => void;
let collect: Collect | undefined;

/** V8's `gc` function, obtained without running the whole process with --expose-gc. */
function gcFunction(): Collect {
  if (collect) return collect;
  setFlagsFromString('--expose-gc');
  // A new context is created with the flag on, so it gets the `gc` global; the flag is
  // turned off again at once and no other context ever sees it.
  collect = runInNewContext('gc') as Collect;
  setFlagsFromString('--no-expose-gc');
  return collect;
}

/**
 * Lets the young generation grow again, and collects the build's garbage: at once, or
 * `afterMs` later. A gateway collects a second after its build, off the path to its
 * first answer (the collection is ~0.1 s of a Stripe-sized start, and a start is timed
 * to the first answer); a process that ends before then does not collect at all.
 */
export function releaseBuildMemory(afterMs = 0): void {
  if (!OPERATOR_SET) setFlagsFromString(`--semi-space-growth-factor=${V8_DEFAULT_GROWTH_FACTOR}`);
  const collect = gcFunction();
  if (afterMs > 0) setTimeout(collect, afterMs).unref();
  else collect();
}
