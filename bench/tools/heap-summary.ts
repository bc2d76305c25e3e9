// Summarises a V8 sampling heap profile (`node --heap-prof`): bytes allocated by
// function and by package, to find what feeds the garbage collector.
//   node --import tsx bench/tools/heap-summary.ts FILE.heapprofile [--top 40]
import { readFileSync } from 'node:fs';

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'))!;
const top = Number(args[args.indexOf('--top') + 1]) || 40;
const { head } = JSON.parse(readFileSync(file, 'utf8')) as { head: HeapNode };

const byFunction = new Map<string, number>();
const byStack = new Map<string, number>();
let total = 0;
const walk = (node: HeapNode, stack: string[]) => {
  const f = node.callFrame;
  const name = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(src|bench)\//, '$1/')}:${f.lineNumber + 1}`;
  const here = [...stack, name];
  if (node.selfSize) {
    total += node.selfSize;
    byFunction.set(name, (byFunction.get(name) ?? 0) + node.selfSize);
    const key = here.slice(-4).reverse().join('\n        <- ');
    byStack.set(key, (byStack.get(key) ?? 0) + node.selfSize);
  }
  for (const c of node.children) walk(c, here);
};
walk(head, []);
const pct = (n: number) => ((100 * n) / total).toFixed(1).padStart(5) + '%';
console.log(`sampled allocations still live or collected: ${(total / 1e6).toFixed(1)} MB\n\nby function`);
for (const [k, n] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(n)}  ${k}`);
console.log('\nby stack');
for (const [k, n] of [...byStack].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${pct(n)}  ${k}`);
