// LinkLoader: what a request already knows about a link's keys. The guarantees: a key
// is fetched once per request (one batch for the keys of one tick), a repeated key gets
// the same promise while its batch is out, the value itself once it has settled, and a
// failure stays a failure for every later load without another call.
import { describe, expect, it } from 'vitest';
import DataLoader from 'dataloader';
import { LinkLoader } from '../../src/links/loader.ts';

function counted(answer: (key: string) => unknown = (key) => ({ id: key })) {
  const batches: string[][] = [];
  const loader = new DataLoader<string, unknown, string>(
    async (keys) => {
      batches.push([...keys]);
      return keys.map(answer);
    },
    { cacheKeyFn: String },
  );
  return { batches, links: new LinkLoader<string>(loader, String) };
}

describe('LinkLoader', () => {
  it('one batch for the keys of a tick; a repeated key gets the very same promise', async () => {
    const { batches, links } = counted();
    const first = links.load('1');
    const again = links.load('1');
    const other = links.load('2');
    expect(first).toBeInstanceOf(Promise);
    expect(again).toBe(first);
    expect(await Promise.all([first, again, other])).toEqual([{ id: '1' }, { id: '1' }, { id: '2' }]);
    expect(batches).toEqual([['1', '2']]);
  });

  it('once settled, answers with the value itself, synchronously, and calls nothing', async () => {
    const { batches, links } = counted();
    const value = await links.load('7');
    expect(links.load('7')).toBe(value);
    expect(batches).toHaveLength(1);
  });

  it('keys with the same identity share an entry (String identity, as the bulk loader caches)', async () => {
    const batches: unknown[][] = [];
    const loader = new DataLoader<unknown, unknown, string>(async (keys) => (batches.push([...keys]), keys.map((k) => ({ id: String(k) }))), {
      cacheKeyFn: String,
    });
    const links = new LinkLoader<unknown>(loader, String);
    const [a, b] = await Promise.all([links.load(3), links.load('3')]);
    expect(a).toBe(b);
    expect(batches).toEqual([[3]]);
  });

  it('a failed key stays failed: every later load rejects with the same error, without another call', async () => {
    const { batches, links } = counted((key) => (key === 'bad' ? new Error(`no ${key}`) : { id: key }));
    const failure = links.load('bad') as Promise<unknown>;
    await expect(failure).rejects.toThrow('no bad');
    const later = links.load('bad');
    expect(later).toBeInstanceOf(Promise);
    await expect(later).rejects.toThrow('no bad');
    expect(batches).toEqual([['bad']]);
  });

  it('a null value is remembered like any other', async () => {
    const { batches, links } = counted(() => null);
    expect(await links.load('x')).toBeNull();
    expect(links.load('x')).toBeNull();
    expect(batches).toHaveLength(1);
  });

  it('loadMany goes through to the same cache', async () => {
    const { batches, links } = counted();
    await links.load('1');
    expect(await links.loadMany(['1', '2'])).toEqual([{ id: '1' }, { id: '2' }]);
    expect(batches).toEqual([['1'], ['2']]);
  });
});
