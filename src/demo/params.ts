// Query parameters shared by the demo services, parsed strictly: a bad value is a 400
// with a message naming the parameter, never a silent default, so that a gateway bug
// that sends the wrong thing shows up in tests instead of as plausible data.
import { HttpError } from './http.ts';

/** Bounds documented for every `limit` parameter in sources/. */
export const MAX_LIMIT = 1000;

/** `limit`: absent means "no limit"; otherwise an integer from 1 to MAX_LIMIT. */
export function parseLimit(query: URLSearchParams): number | undefined {
  const raw = query.get('limit');
  if (raw === null) return undefined;
  if (!/^\d+$/.test(raw)) throw new HttpError(400, `limit must be an integer from 1 to ${MAX_LIMIT}, got "${raw}"`);
  const limit = Number(raw);
  if (limit < 1 || limit > MAX_LIMIT) throw new HttpError(400, `limit must be an integer from 1 to ${MAX_LIMIT}, got ${limit}`);
  return limit;
}

/**
 * A required list of ids. The spec says `style: form, explode: false` (`ids=1,2,3`), but
 * clients differ — GraphQL Mesh sends arrays as repeated parameters (`ids=1&ids=2`)
 * unless told otherwise — so both spellings, and a mix of them, are accepted. Blank
 * entries are dropped and duplicates collapsed; at most `max` distinct ids.
 */
export function parseIdList(query: URLSearchParams, name: string, max: number): string[] {
  const values = query.getAll(name);
  if (values.length === 0) throw new HttpError(400, `${name} is required`);
  const ids = new Set<string>();
  for (const value of values) {
    for (const part of value.split(',')) {
      const id = part.trim();
      if (id !== '') ids.add(id);
    }
  }
  if (ids.size === 0) throw new HttpError(400, `${name} must name at least one id`);
  if (ids.size > max) throw new HttpError(400, `${name} may name at most ${max} ids, got ${ids.size}`);
  return [...ids];
}
