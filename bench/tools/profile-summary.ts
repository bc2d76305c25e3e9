// Summarises a V8 .cpuprofile (from `node --cpu-prof`) as text: the functions with the
// most self time, the packages they belong to, and the share spent in garbage
// collection. DevTools shows the same, but a table fits in a report and a terminal.
//   node --import tsx bench/tools/profile-summary.ts FILE.cpuprofile [--top 40] [--match text] [--callers NAME]
// `--skip-ms N` ignores the first N ms of the profile (start-up).
// `--callers NAME` prints the call stacks (5 frames up) that lead to functions named NAME.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
if (!file) {
  console.error('usage: profile-summary FILE.cpuprofile [--top N] [--match TEXT]');
  process.exit(2);
}
const top = Number(args[args.indexOf('--top') + 1]) || 40;
const match = args.includes('--match') ? args[args.indexOf('--match') + 1] : undefined;
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

/** Which package (or our own folder) a script URL belongs to. */
function packageOf(url: string): string {
  if (!url) return '(native/vm)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 13).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  const src = url.indexOf('/src/');
  if (src >= 0)
    return (
      'tributary ' +
      url
        .slice(src + 1)
        .split('/')
        .slice(0, 2)
        .join('/')
    );
  const bench = url.indexOf('/bench/');
  if (bench >= 0) return 'bench';
  return url;
}

// Self time per node, from the sample stream (hitCount is not always filled in).
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
// `--skip-ms N` leaves out the first N ms (start-up: module loading, schema build).
const skipUs = args.includes('--skip-ms') ? Number(args[args.indexOf('--skip-ms') + 1]) * 1000 : 0;
let clock = 0;
for (let i = 0; i < profile.samples.length; i++) {
  clock += profile.timeDeltas[i] ?? 0;
  if (clock < skipUs) continue;
  selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
let total = 0;
for (const us of selfUs.values()) total += us;

const byFunction = new Map<string, number>();
const byPackage = new Map<string, number>();
for (const [id, us] of selfUs) {
  const n = byId.get(id)!;
  const { functionName, url, lineNumber } = n.callFrame;
  const short = url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(src|bench)\//, '$1/');
  const key = `${functionName || '(anonymous)'}  ${short}:${lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  const pkg = functionName === '(garbage collector)' ? '(garbage collector)' : functionName === '(idle)' ? '(idle)' : packageOf(url);
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
}

const idle = byPackage.get('(idle)') ?? 0;
const busy = total - idle;
const pct = (us: number) => ((100 * us) / busy).toFixed(1).padStart(5) + '%';
console.log(`total ${(total / 1e3).toFixed(0)} ms, busy ${(busy / 1e3).toFixed(0)} ms (percentages are of busy time)\n`);
console.log('self time by package');
for (const [k, us] of [...byPackage]
  .filter(([k]) => k !== '(idle)')
  .sort((a, b) => b[1] - a[1])
  .slice(0, 25))
  console.log(`  ${pct(us)}  ${k}`);
console.log('\nself time by function');
for (const [k, us] of [...byFunction]
  .filter(([k]) => !k.startsWith('(idle)') && (!match || k.includes(match)))
  .sort((a, b) => b[1] - a[1])
  .slice(0, top))
  console.log(`  ${pct(us)}  ${k}`);

const depth = args.includes('--depth') ? Number(args[args.indexOf('--depth') + 1]) : 6;
const callersOf = args.includes('--callers') ? args[args.indexOf('--callers') + 1] : undefined;
if (callersOf) {
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stacks = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    if (n.callFrame.functionName !== callersOf) continue;
    const frames: string[] = [];
    for (let p = parent.get(id), i = 0; p !== undefined && i < depth; p = parent.get(p), i++) {
      const f = byId.get(p)!.callFrame;
      frames.push(
        `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(src|bench)\//, '$1/')}:${f.lineNumber + 1}`,
      );
    }
    const key = frames.join('\n      <- ');
    stacks.set(key, (stacks.get(key) ?? 0) + us);
  }
  console.log(`\ncallers of ${callersOf}`);
  for (const [k, us] of [...stacks].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`  ${pct(us)}  ${k}`);
}

// `--inclusive a,b,c`: time spent in each named function, callees included.
const inclusiveOf = args.includes('--inclusive') ? args[args.indexOf('--inclusive') + 1].split(',') : [];
if (inclusiveOf.length) {
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  const wanted = new Set(inclusiveOf);
  const totals = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (let p: number | undefined = id; p !== undefined; p = parentOf.get(p)) {
      const name = byId.get(p)!.callFrame.functionName;
      if (wanted.has(name) && !seen.has(name)) {
        seen.add(name);
        totals.set(name, (totals.get(name) ?? 0) + us);
      }
    }
  }
  console.log('\ninclusive time');
  for (const name of inclusiveOf) console.log(`  ${pct(totals.get(name) ?? 0)}  ${name}`);
}
