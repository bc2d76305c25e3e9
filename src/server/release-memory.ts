// A schema build is a burst of allocation (a Stripe-sized spec: ~7,500 types, their
// AST, Mesh's directive processing), during which V8 grows the young generation to its
// maximum (the serving thread's is enlarged: serving-thread.ts) and keeps the pages it
// touched. Idle, V8 never gave them back: 30–40 MB of empty young generation stayed
// resident for good after start-up. One full collection once the build is done, with
// nothing else allocating, lets V8 empty the young generation and release those pages
// (it unmaps them in the background, just after); under load the space grows again, as
// it should. About 0.1 s for a Stripe-sized heap, a few ms for a small one, paid once,
// before the port opens.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

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

export function releaseBuildMemory(): void {
  gcFunction()();
}
