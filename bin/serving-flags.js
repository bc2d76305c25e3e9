// The V8 flags a serving process needs, decided once by the launcher before any module of
// the gateway loads. A gateway request allocates many short-lived objects (parsed
// upstream JSON, the response being built); with V8's default 16 MB semi-space the
// scavenger runs so often that objects still in flight are copied and promoted
// (BENCHMARKS.md: 64 MB cut CPU per query by about a third, and 128 MB another 10–15%
// on lists of 200 to 1,000 items with links). A heap's sizes are fixed
// when the process starts, so `tributary start` (and dev, demo) runs again with the same
// command plus `--max-semi-space-size`: on Node 22.15+ it replaces itself (process.execve,
// same pid, no supervising process); before, it runs the gateway as its child
// (supervise.js). Cluster workers inherit the flag from the primary's argv.
// Plain JavaScript, like entry.js: it runs before tsx or dist/ is chosen.

/** The commands that serve. */
const SERVING = new Set(['start', 'dev', 'demo']);

/**
 * Young-generation semi-space in MB (V8's default is 16). `TRIBUTARY_SEMI_SPACE_MB`
 * overrides it; 0 keeps V8's default.
 */
export function semiSpaceMb(value = process.env.TRIBUTARY_SEMI_SPACE_MB) {
  if (value === undefined || value === '') return 128;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 1024) throw new Error(`TRIBUTARY_SEMI_SPACE_MB: expected a whole number of MB from 0 to 1024, found "${value}"`);
  return n;
}

/** Whether the operator (or an earlier launch) already chose a semi-space size. */
export function semiSpaceSet(execArgv = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? '') {
  return [...execArgv, ...nodeOptions.split(/\s+/)].some((a) => a.replaceAll('_', '-').startsWith('--max-semi-space-size'));
}

/**
 * The argv to relaunch with, or undefined to go on as we are: a serving command without
 * the flag (bin/tributary.js decides how: replaced, or supervised).
 */
export function servingRelaunch(argv = process.argv, execArgv = process.execArgv, env = process.env) {
  const command = argv.slice(2).find((a) => !a.startsWith('-'));
  if (!SERVING.has(command ?? '')) return undefined;
  const mb = semiSpaceMb(env.TRIBUTARY_SEMI_SPACE_MB);
  if (mb === 0 || semiSpaceSet(execArgv, env.NODE_OPTIONS ?? '')) return undefined;
  return [process.execPath, `--max-semi-space-size=${mb}`, ...execArgv, ...argv.slice(1)];
}
