// The round trip's classifier, case by case: which signal wins when several are present
// is the guarantee (a mock's own violation beats a gateway error it caused; a refusal
// beats data made of the spec's error type; a crash or timeout beats everything else).
import { describe, expect, it } from 'vitest';
import { classify, type Observation } from '../../scripts/roundtrip/classify.ts';
import type { Exchange } from '../../scripts/roundtrip/recorder.ts';
import { causePattern, groupCauses, dataShare, tally } from '../../scripts/roundtrip/report.ts';

const ok: Exchange = { method: 'GET', url: '/pets', status: 200, violations: [] };
const refused: Exchange = {
  method: 'GET',
  url: '/pets?limit=x',
  status: 422,
  violations: [{ location: ['request', 'query', 'limit'], code: 'type', message: 'Request query parameter limit must be integer' }],
};
const mockBroke: Exchange = {
  method: 'GET',
  url: '/a',
  status: 500,
  violations: [{ location: ['response', 'body', 'n'], code: 'type', message: 'Response body property n must be integer' }],
  problem: 'VIOLATIONS',
  detail: 'Request/Response not valid',
};
const noPath: Exchange = {
  method: 'GET',
  url: '/#X-Amz-Target=Op',
  status: 404,
  violations: [],
  problem: 'NO_PATH_MATCHED_ERROR',
  detail: 'Route not resolved, no path matched',
};
const prismFault: Exchange = { method: 'GET', url: '/a', status: 500, violations: [], problem: 'UNKNOWN', detail: 'Cannot read properties of undefined' };
const adjacentVariables: Exchange = {
  method: 'GET',
  url: '/Accounts/a/Applications/b.json',
  status: 422,
  violations: [{ location: ['request', 'path'], code: 'required', message: "Request path must have required property 'applicationsid'" }],
};
const noMediaType: Exchange = {
  method: 'POST',
  url: '/sample',
  status: 415,
  violations: [],
  problem: 'INVALID_CONTENT_TYPE',
  detail: 'Invalid content type: No supported content types, but request included a non-empty body',
};
const errorStatus: Exchange = { method: 'GET', url: '/a', status: 400, violations: [] };

const cases: Array<[string, Observation, string, RegExp | undefined]> = [
  ['answer with data and no errors', { exchanges: [ok], status: 200, errors: [], hasData: true }, 'data', undefined],
  [
    'Prism refused the request',
    { exchanges: [refused], status: 200, errors: [{ code: 'UPSTREAM_HTTP_ERROR', message: 'The service answered 422' }], hasData: true },
    'refused',
    /^PRISM_TYPE: Request query parameter limit must be integer/,
  ],
  [
    'a refusal that the spec types as data is still refused',
    { exchanges: [refused], status: 200, errors: [], hasData: true },
    'refused',
    /limit must be integer/,
  ],
  [
    'no path matched (a raw # in the path)',
    { exchanges: [noPath], status: 200, errors: [{ code: 'UPSTREAM_HTTP_ERROR', message: '404' }], hasData: true },
    'refused',
    /^PRISM_NO_PATH_MATCHED_ERROR: Route not resolved/,
  ],
  [
    'the mock broke its own spec, and the gateway then failed',
    { exchanges: [mockBroke], status: 200, errors: [{ code: 'UPSTREAM_HTTP_ERROR', message: '500' }], hasData: true },
    'mock',
    /^PRISM_RESPONSE_VIOLATION: Response body property n must be integer/,
  ],
  [
    'Prism failed itself',
    { exchanges: [prismFault], status: 200, errors: [{ code: 'UPSTREAM_HTTP_ERROR', message: '500' }], hasData: true },
    'mock',
    /^PRISM_UNKNOWN/,
  ],
  [
    'an error status without violation: the spec has no success answer',
    { exchanges: [errorStatus], status: 200, errors: [{ code: 'UPSTREAM_HTTP_ERROR', message: 'The service answered 400' }], hasData: true },
    'mock',
    /^PRISM_NO_SUCCESS_ANSWER/,
  ],
  [
    'non-null field that is null',
    {
      exchanges: [ok],
      status: 200,
      errors: [{ code: 'UPSTREAM_BAD_RESPONSE', message: 'The service answered no value for Error.code, which is non-null (Int!).' }],
      hasData: true,
    },
    'unmappable',
    /^UPSTREAM_BAD_RESPONSE: The service answered no value/,
  ],
  [
    'uncoded executor error after a 2xx',
    { exchanges: [ok], status: 200, errors: [{ message: 'Abstract type "X" must resolve to an Object type at runtime' }], hasData: true },
    'unmappable',
    /^NO_CODE: Abstract type/,
  ],
  [
    'an argument value the generated type refuses',
    { exchanges: [], status: 200, errors: [{ code: 'BAD_USER_INPUT', message: 'Variable "$d" got invalid value' }] },
    'unmappable',
    /^BAD_USER_INPUT/,
  ],
  [
    'uncoded error with no call made',
    { exchanges: [], status: 200, errors: [{ message: 'Cannot read properties of undefined' }], hasData: true },
    'gateway',
    /^NO_CODE: Cannot read/,
  ],
  [
    'Prism unreachable (the recorder got no answer) is the mock failing',
    {
      exchanges: [{ method: 'GET', url: '/a', status: 0, violations: [], detail: 'ECONNREFUSED' }],
      status: 200,
      errors: [{ code: 'UPSTREAM_HTTP_ERROR', message: '502' }],
      hasData: true,
    },
    'mock',
    /^PRISM_UNREACHABLE: ECONNREFUSED/,
  ],
  [
    'upstream unavailable with no call seen',
    { exchanges: [], status: 200, errors: [{ code: 'UPSTREAM_UNAVAILABLE', message: 'connection refused' }], hasData: true },
    'gateway',
    /^UPSTREAM_UNAVAILABLE/,
  ],
  [
    'a gateway code wins over an unmappable one',
    {
      exchanges: [ok],
      status: 200,
      errors: [
        { code: 'UPSTREAM_BAD_RESPONSE', message: 'x' },
        { code: 'UPSTREAM_TIMEOUT', message: 'slow' },
      ],
      hasData: true,
    },
    'gateway',
    /^UPSTREAM_TIMEOUT/,
  ],
  [
    "Prism's RFC 6570 reading of two variables in a row is the mock's limit",
    { exchanges: [adjacentVariables], template: '/Accounts/{args.a}/Applications/{args.sid}{args.ext}', status: 200, errors: [], hasData: true },
    'mock',
    /^PRISM_ADJACENT_PATH_VARIABLES: /,
  ],
  [
    'a required path property missing under a plain template is refused',
    { exchanges: [adjacentVariables], template: '/Accounts/{args.a}/Applications/{args.applicationSid}.json', status: 200, errors: [], hasData: true },
    'refused',
    /^PRISM_REQUIRED: Request path must have/,
  ],
  [
    'a path property the template does not have (declared without a variable, or another path matched)',
    { exchanges: [adjacentVariables], template: '/Accounts/{args.a}/Applications/Local.json', status: 200, errors: [], hasData: true },
    'mock',
    /^PRISM_PATH_PROPERTY_NOT_IN_TEMPLATE: /,
  ],
  [
    'a body of 0 that Prism takes for none',
    {
      exchanges: [
        { method: 'POST', url: '/b', status: 422, violations: [{ location: ['request', 'body'], message: 'Body parameter is required' }], requestBody: '0' },
      ],
      status: 200,
      errors: [{ code: 'UPSTREAM_HTTP_ERROR', message: '422' }],
      hasData: true,
    },
    'mock',
    /^PRISM_FALSY_BODY: /,
  ],
  [
    'a body really left out is refused',
    {
      exchanges: [
        { method: 'POST', url: '/b', status: 422, violations: [{ location: ['request', 'body'], message: 'Body parameter is required' }], requestBody: '' },
      ],
      status: 200,
      errors: [{ code: 'UPSTREAM_HTTP_ERROR', message: '422' }],
      hasData: true,
    },
    'refused',
    /^PRISM_VIOLATION: Body parameter is required/,
  ],
  [
    'a body Prism cannot take because the operation lists no media type',
    { exchanges: [noMediaType], status: 200, errors: [{ code: 'UPSTREAM_HTTP_ERROR', message: '415' }], hasData: true },
    'mock',
    /^PRISM_NO_REQUEST_MEDIA_TYPE: /,
  ],
  ['a hang before any call', { exchanges: [], timedOut: true }, 'gateway', /^TIMEOUT: .*no upstream call made/],
  ['a hang after the call', { exchanges: [ok], timedOut: true }, 'gateway', /^TIMEOUT: .*after the upstream call/],
  ['a crash beats what Prism said', { exchanges: [mockBroke], crashed: 'Could not resolve the object type' }, 'gateway', /^CRASH: Could not resolve/],
  ['an answer with neither data nor errors', { exchanges: [ok], status: 500, errors: [], hasData: false }, 'gateway', /^HTTP_500/],
];

describe('classify', () => {
  it.each(cases)('%s', (_name, observation, expected, cause) => {
    const verdict = classify(observation);
    expect(verdict.class).toBe(expected);
    if (cause) expect(verdict.cause).toMatch(cause);
    else expect(verdict.cause).toBeUndefined();
  });

  it('trims long causes to one line', () => {
    const verdict = classify({
      exchanges: [ok],
      status: 200,
      errors: [{ code: 'UPSTREAM_BAD_RESPONSE', message: `line one\n${'x'.repeat(500)}` }],
      hasData: true,
    });
    expect(verdict.cause).not.toContain('\n');
    expect(verdict.cause!.length).toBeLessThanOrEqual(200);
  });
});

describe('report', () => {
  it('leaves mock failures out of the share of data', () => {
    const t = tally([
      { coordinate: 'Query.a', kind: 'query', method: 'GET', class: 'data' },
      { coordinate: 'Query.b', kind: 'query', method: 'GET', class: 'mock', cause: 'PRISM_RESPONSE_VIOLATION: x' },
      { coordinate: 'Query.c', kind: 'query', method: 'GET', class: 'refused', cause: 'PRISM_TYPE: y' },
    ]);
    expect(t.byClass).toEqual({ data: 1, refused: 1, unmappable: 0, gateway: 0, mock: 1 });
    expect(dataShare(t)).toBe(50);
  });

  it.each([
    ['PRISM_TYPE: Request query parameter limit must be integer', 'PRISM_TYPE: Request query parameter X must be integer'],
    [
      'UPSTREAM_BAD_RESPONSE: The service answered no value for Error.code, which is non-null (Int!).',
      'UPSTREAM_BAD_RESPONSE: The service answered no value for T.f, which is non-null (Int!).',
    ],
    ["PRISM_REQUIRED: Request body must have required property 'id'", 'PRISM_REQUIRED: Request body must have required property "…"'],
    ["PRISM_NO_PATH_MATCHED_ERROR: The route /a/b#c hasn't been found", "PRISM_NO_PATH_MATCHED_ERROR: The route /… hasn't been found"],
  ])('blanks the particulars of %s', (cause, pattern) => {
    expect(causePattern(cause)).toBe(pattern);
  });

  it('groups alike causes across documents, largest first, with examples from different documents', () => {
    const field = (coordinate: string, cause: string) => ({ coordinate, kind: 'query' as const, method: 'GET', class: 'refused' as const, cause });
    const groups = groupCauses([
      {
        document: 'a',
        crashes: 0,
        ms: 1,
        fields: [
          field('Query.x', 'PRISM_TYPE: Request query parameter p must be integer'),
          field('Query.y', 'PRISM_TYPE: Request query parameter q must be integer'),
        ],
      },
      {
        document: 'b',
        crashes: 0,
        ms: 1,
        fields: [field('Query.z', 'PRISM_TYPE: Request query parameter r must be integer'), field('Query.w', 'PRISM_ENUM: other')],
      },
    ]);
    expect(groups.map((g) => [g.count, g.documents])).toEqual([
      [3, 2],
      [1, 1],
    ]);
    expect(groups[0].examples.map((e) => e.document)).toEqual(['a', 'b']);
  });
});
