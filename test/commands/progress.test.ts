// Progress output: one rewritten line on a terminal, plain lines elsewhere.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress } from '../../src/commands/progress.ts';

function stream(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const s = new PassThrough();
  let out = '';
  s.on('data', (chunk: Buffer) => (out += chunk.toString()));
  Object.assign(s, { isTTY, columns: 100 });
  return { stream: s as unknown as NodeJS.WriteStream, text: () => out };
}

describe('createProgress', () => {
  it('not a terminal: one plain line per phase and source, no carriage returns', () => {
    const { stream: s, text } = stream(false);
    const p = createProgress(s);
    p.update('read', 'Stripe');
    p.update('read', 'Stripe');
    p.update('dereference', 'Stripe');
    p.update('merge');
    p.done();
    const lines = text().trim().split('\n');
    expect(lines.map((l) => l.replace(/ \(\d+\.\d s\)$/, ''))).toEqual(['[tributary] read Stripe', '[tributary] dereference Stripe', '[tributary] merge']);
    expect(text()).not.toContain('\r');
  });

  it('a terminal: one line rewritten in place naming each source and its phase, cleared when done', () => {
    const { stream: s, text } = stream(true);
    const p = createProgress(s);
    p.update('read', 'Stripe');
    p.update('generate', 'Pets');
    p.done();
    const frames = text().split('\r\x1b[2K');
    expect(frames[1]).toMatch(/^… reading Stripe \(\d+\.\d s\)$/);
    expect(frames[2]).toMatch(/^… reading Stripe, generating GraphQL for Pets \(\d+\.\d s\)$/);
    expect(frames[3]).toBe('');
    expect(text()).not.toContain('\n');
  });
});
