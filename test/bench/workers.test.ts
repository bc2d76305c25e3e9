// How many workers `--workers N` means, and the Node options workers get (src/runtime/workers.ts).
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { resolveWorkerCount, workerExecArgv, WORKER_SEMI_SPACE_MB } from '../../src/runtime/workers.ts';

describe('workers', () => {
  it('0 means one per core; any other count is taken as it is', () => {
    expect(resolveWorkerCount(0)).toBe(availableParallelism());
    expect(resolveWorkerCount(1)).toBe(1);
    expect(resolveWorkerCount(3)).toBe(3);
  });

  it('gives workers a larger young generation unless the operator chose one', () => {
    expect(WORKER_SEMI_SPACE_MB).toBe(128);
    expect(workerExecArgv(['--enable-source-maps'], '')).toEqual(['--enable-source-maps', '--max-semi-space-size=128']);
    expect(workerExecArgv(['--max-semi-space-size=16'], '')).toEqual(['--max-semi-space-size=16']);
    expect(workerExecArgv([], '--max-old-space-size=512 --max-semi-space-size=32')).toEqual([]);
  });
});
