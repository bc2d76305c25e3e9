// How soon V8 optimizes a function while Mesh's loader runs. V8 lets each function run a
// budget of bytecode (`--interrupt-budget`) before it weighs compiling it with TurboFan.
// The loader runs a great deal of code a few hundred or thousand times and then never
// again; with V8's budget much of it is optimized just before it is done with, and on
// one core the optimizing compiler's thread takes its time from the load. With 16 times
// the budget, on one core: Mesh's loader on Stripe's document 2.2 -> 1.6 s, on a
// Microsoft-Graph-sized one 13.6 -> 12.6 s (what stays hot long enough is still
// optimized).
//
// The flag is the process's, not the thread's, so it is raised only while a loader
// thread works and put back when the last one is released: serving code should be
// optimized early. (Raised for a whole start instead, the serving code that first ran
// during the build was optimized late: posts-bulk took up to 1.76x the CPU per query in
// its first seconds, and ~4% more for half a minute.) A budget the operator set, in the
// process's flags or NODE_OPTIONS, is left alone.
import { execFile } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';

/** 16 x V8's default since V8 10 (66 KB of bytecode). */
const LOADER_INTERRUPT_BUDGET = 16 * 66 * 1024;

const OPERATOR_SET = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) =>
  a.replaceAll('_', '-').startsWith('--interrupt-budget'),
);

/** V8's own budget, as this Node's V8 states it (`node --v8-options`); undefined if it cannot be read. */
let ownBudget: Promise<number | undefined> | undefined;
let raised = 0;

function readOwnBudget(): Promise<number | undefined> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--v8-options'], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => {
      const value = error ? undefined : /default: --interrupt-budget=(\d+)/.exec(stdout)?.[1];
      resolve(value === undefined ? undefined : Number(value));
    });
  });
}

let applied = false;

/**
 * The loader's budget until `lower()` is called (once); calls nest. Raised once this
 * Node's V8 is known to have the flag: Node 24's V8 has no `--interrupt-budget`, and
 * setting an unknown flag prints an error on stderr.
 */
export function raiseInterruptBudget(): () => void {
  if (OPERATOR_SET) return () => undefined;
  // V8's own value is read once, while the first load runs; it is needed when the last ends.
  ownBudget ??= readOwnBudget();
  raised++;
  void ownBudget.then((budget) => {
    if (budget === undefined || raised === 0 || applied) return;
    applied = true;
    setFlagsFromString(`--interrupt-budget=${LOADER_INTERRUPT_BUDGET}`);
  });
  let lowered = false;
  return () => {
    if (lowered) return;
    lowered = true;
    if (--raised > 0) return;
    void ownBudget!.then((budget) => {
      // Read after the raise above (the same promise, in order): nothing to put back unless it was raised.
      if (raised > 0 || !applied || budget === undefined) return;
      applied = false;
      setFlagsFromString(`--interrupt-budget=${budget}`);
    });
  };
}
