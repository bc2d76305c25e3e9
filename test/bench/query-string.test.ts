// The precompiled query-string encoders (src/schema/operation/query-string.ts) are a shortcut
// past qs on the hot path; they must write exactly what qs writes, for every option
// set Mesh's loader produces and every value shape, or fall back to qs.
import { describe, expect, it } from 'vitest';
import qs from 'qs';
import { compileParamEncoder } from '../../src/schema/operation/query-string.ts';

const OPTION_SETS: qs.IStringifyOptions[] = [
  { indices: false },
  { indices: false, arrayFormat: 'comma' },
  { indices: false, arrayFormat: 'repeat' },
  { indices: false, arrayFormat: 'brackets' },
  { indices: false, arrayFormat: 'indices' },
  { indices: true },
  {},
  { indices: false, encodeValuesOnly: true },
  { indices: false, format: 'RFC1738' },
  { indices: false, arrayFormat: 'comma', commaRoundTrip: true },
  { indices: false, skipNulls: true },
  { indices: false, allowDots: true },
];

const VALUES: unknown[] = [
  'plain',
  'with space',
  "sym!'()*~-._",
  'ü€ 😀',
  'a,b&c=d?e#f/g',
  '',
  0,
  -12.5,
  1e21,
  Number.NaN,
  true,
  false,
  ['1', '2', '3'],
  [1, 2, 3],
  ['only'],
  [],
  ['a b', 'c,d', "e'f"],
  [true, 'x', 3],
  [null, 'x'],
  [['nested']],
  { a: 1, b: [2, 3] },
  new Date(0),
];

describe('compiled query-string encoders', () => {
  for (const options of OPTION_SETS) {
    for (const param of ['ids', 'filter[name]', 'a b']) {
      it(`write what qs writes for ${param} with ${JSON.stringify(options)}`, () => {
        const encode = compileParamEncoder(param, options);
        for (const value of VALUES) expect(encode(value), JSON.stringify(value)).toBe(qs.stringify({ [param]: value }, options));
      });
    }
  }
});
