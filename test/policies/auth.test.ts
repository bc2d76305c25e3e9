// Authentication and forwarding: JWTs (HS, RS, ES; a JWKS URL fetched once and cached;
// issuer, audience; `alg: none` and algorithm confusion refused), API keys, per-source
// requirements, gateway-set upstream headers that a client cannot spoof, and the
// production defaults. All against real gateways and counting backends.
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { exportJWK, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startBackend, type Backend } from '../helpers/backend.ts';
import { codes, startGateway, type RunningGateway, type SocketGateway } from './fixtures/gateway.ts';
import { startWorld, type World } from './fixtures/world.ts';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const RSA_PEM = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const indent = (text: string, spaces: number) =>
  text
    .trim()
    .split('\n')
    .map((l) => ' '.repeat(spaces) + l)
    .join('\n');

let world: World;
let jwks: Backend;
let jwk: JWK;
const started: RunningGateway[] = [];

beforeAll(async () => {
  world = await startWorld();
  jwk = { ...(await exportJWK(ec.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  jwks = await startBackend((_req, url) => (url.pathname === '/jwks.json' ? { status: 200, body: { keys: [jwk] } } : undefined));
});
afterAll(async () => {
  await Promise.all(started.map((g) => g.close()));
  await jwks?.close();
  await world?.close();
});
beforeEach(() => world.reset());

async function gatewayWith(yaml: string, options: { nodeEnv?: string } = {}): Promise<RunningGateway> {
  const g = await startGateway(world, yaml, { ...options, configName: `auth-${started.length}.yaml` });
  started.push(g);
  return g;
}

/** On a loopback socket: for the tests whose answer depends on the peer's real address. */
async function socketGatewayWith(yaml: string): Promise<SocketGateway> {
  const g = await startGateway(world, yaml, { configName: `auth-${started.length}.yaml`, socket: true });
  started.push(g);
  return g;
}

interface TokenOptions {
  alg?: string;
  key?: Parameters<SignJWT['sign']>[0];
  claims?: Record<string, unknown>;
  kid?: string;
}
async function token({ alg = 'HS256', key = new TextEncoder().encode(SECRET), claims = {}, kid }: TokenOptions = {}): Promise<string> {
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg, ...(kid ? { kid } : {}) })
    .setSubject('ada')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key);
}
const listQuery = { query: '{ listProducts { id } }' };
const auth = (t: string) => ({ authorization: `Bearer ${t}` });

describe('JWT', () => {
  let hs: RunningGateway;
  let rs: RunningGateway;
  beforeAll(async () => {
    hs = await gatewayWith(
      `  policies:\n    auth:\n      jwt:\n        secret: ${SECRET}\n        algorithms: [HS256]\n        issuer: https://issuer.test\n        audience: tributary\n`,
    );
    rs = await gatewayWith(`  policies:\n    auth:\n      jwt:\n        algorithms: [RS256]\n        publicKey: |\n${indent(RSA_PEM, 10)}\n`);
  });

  it('accepts an HS256 token with the right issuer and audience', async () => {
    const r = await hs.graphql(listQuery, auth(await token({ claims: { iss: 'https://issuer.test', aud: 'tributary' } })));
    expect(r.status).toBe(200);
    expect(world.catalog.calls).toHaveLength(1);
  });

  it.each([
    ['a wrong issuer', { iss: 'https://evil.test', aud: 'tributary' }],
    ['a wrong audience', { iss: 'https://issuer.test', aud: 'someone-else' }],
    ['no issuer or audience', {}],
  ])('refuses a token with %s', async (_name, claims) => {
    const r = await hs.graphql(listQuery, auth(await token({ claims })));
    expect({ status: r.status, codes: codes(r.json) }).toEqual({ status: 401, codes: ['UNAUTHENTICATED'] });
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer realm="tributary", error="invalid_token"/);
    expect(world.calls()).toBe(0);
  });

  it('accepts an RS256 token verified with a PEM public key', async () => {
    const r = await rs.graphql(listQuery, auth(await token({ alg: 'RS256', key: rsa.privateKey })));
    expect(r.status).toBe(200);
  });

  it('refuses algorithm confusion: an HS256 token "signed" with the RSA public key', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ sub: 'admin', exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url');
    const signature = createHmac('sha256', RSA_PEM).update(`${header}.${payload}`).digest('base64url');
    const r = await rs.graphql(listQuery, auth(`${header}.${payload}.${signature}`));
    expect({ status: r.status, codes: codes(r.json) }).toEqual({ status: 401, codes: ['UNAUTHENTICATED'] });
    expect(world.calls()).toBe(0);
  });

  it('refuses a token without `exp` (required by default)', async () => {
    const t = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('ada')
      .setIssuer('https://issuer.test')
      .setAudience('tributary')
      .sign(new TextEncoder().encode(SECRET));
    const r = await hs.graphql(listQuery, auth(t));
    expect(r.status).toBe(401);
  });

  it('verifies ES256 tokens against a JWKS URL, fetching the key set once', async () => {
    const g = await gatewayWith(`  policies:\n    auth:\n      jwt:\n        jwksUrl: ${jwks.url}/jwks.json\n        algorithms: [ES256]\n`);
    jwks.calls.length = 0;
    for (let i = 0; i < 3; i += 1) {
      const r = await g.graphql(listQuery, auth(await token({ alg: 'ES256', key: ec.privateKey, kid: 'k1' })));
      expect(r.status).toBe(200);
    }
    const forged = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const bad = await g.graphql(listQuery, auth(await token({ alg: 'ES256', key: forged.privateKey, kid: 'k1' })));
    expect(bad.status).toBe(401);
    expect(jwks.calls).toHaveLength(1);
  });

  it('refuses a config that mixes HS and asymmetric algorithms (algorithm confusion)', async () => {
    await expect(gatewayWith(`  policies:\n    auth:\n      jwt:\n        secret: ${SECRET}\n        algorithms: [HS256, RS256]\n`)).rejects.toThrow(
      /tributary\.policies\.auth\.jwt\.algorithms: HS\* algorithms go with "secret" only/,
    );
  });
});

describe('API keys and per-source requirements', () => {
  let g: RunningGateway;
  beforeAll(async () => {
    process.env.TEST_PARTNER_KEY = 'partner-key-0123456789';
    g = await gatewayWith(
      [
        '  sources:',
        '    People:',
        '      setHeaders:',
        "        x-user: '{principal.subject}'",
        "        x-api-token: '{env.TEST_PARTNER_KEY}'",
        '  policies:',
        '    auth:',
        '      apiKeys:',
        '        keys:',
        "          - { id: partner-a, key: '{env.TEST_PARTNER_KEY}' }",
        '      graphql: optional',
        '      sources:',
        '        People: required',
        '        Catalog: none',
      ].join('\n'),
    );
  });

  it('serves anonymous callers the fields of sources that do not need credentials, and refuses the others per field', async () => {
    const r = await g.graphql({ query: '{ listProducts { id } whoami { user } }' });
    expect(r.status).toBe(401);
    expect(r.json.data).toEqual({ listProducts: [{ id: '1' }, { id: '2' }], whoami: null });
    expect(r.json.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['whoami'], 'UNAUTHENTICATED']]);
    expect(r.headers.get('www-authenticate')).toBe('ApiKey realm="tributary", header="x-api-key"');
    expect(world.people.calls).toHaveLength(0);
  });

  it('sets upstream headers from the principal and env; a client cannot spoof them', async () => {
    const r = await g.graphql({ query: '{ whoami { user token } }' }, { 'x-api-key': 'partner-key-0123456789', 'x-user': 'admin' });
    expect(r.json).toEqual({ data: { whoami: { user: 'partner-a', token: 'partner-key-0123456789' } } });
  });

  it('refuses an unknown API key with 401, even where credentials are optional', async () => {
    const r = await g.graphql(listQuery, { 'x-api-key': 'guess' });
    expect({ status: r.status, codes: codes(r.json) }).toEqual({ status: 401, codes: ['UNAUTHENTICATED'] });
    expect(world.calls()).toBe(0);
  });

  it('applies the source modes to the passthrough', async () => {
    const anonymous = await g.fetch('/rest/People/whoami');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toContain('ApiKey');
    expect((await g.fetch('/rest/Catalog/products')).status).toBe(200);
    const keyed = await g.fetch('/rest/People/whoami', { headers: { 'x-api-key': 'partner-key-0123456789', 'x-user': 'admin' } });
    expect(await keyed.json()).toMatchObject({ user: 'partner-a', token: 'partner-key-0123456789' });
    expect(world.people.calls).toHaveLength(1);
  });
});

/**
 * One challenge per RFC 9110 §11.6.1 (`scheme 1*SP auth-param *( OWS "," OWS auth-param )`),
 * every value a token or a quoted-string (§5.6.4); returns the unescaped parameters, or
 * undefined when the header does not parse.
 */
function parseChallenge(header: string): { scheme: string; params: Record<string, string> } | undefined {
  const token = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
  const quoted = '"(?:[\\t \\x21\\x23-\\x5b\\x5d-\\x7e]|\\\\[\\t \\x21-\\x7e])*"';
  const param = `(${token})[ \\t]*=[ \\t]*(${token}|${quoted})`;
  const whole = new RegExp(`^(${token}) +${param}(?:[ \\t]*,[ \\t]*${param})*$`);
  if (!whole.test(header)) return undefined;
  const params: Record<string, string> = {};
  for (const m of header.slice(header.indexOf(' ')).matchAll(new RegExp(param, 'g'))) {
    params[m[1]!.toLowerCase()] = m[2]!.startsWith('"') ? m[2]!.slice(1, -1).replace(/\\(.)/g, '$1') : m[2]!;
  }
  return { scheme: header.slice(0, header.indexOf(' ')), params };
}

describe('WWW-Authenticate error_description', () => {
  // A required claim whose name holds a quote, a backslash, CR/LF, a control character and non-ASCII.
  const hostileClaim = 'te"n\\ant\r\nX-Evil: 1\u0000ü😀';
  let g: RunningGateway;
  beforeAll(async () => {
    g = await gatewayWith(
      `  policies:\n    auth:\n      jwt:\n        secret: ${SECRET}\n        algorithms: [HS256]\n        requiredClaims: [exp, ${JSON.stringify(hostileClaim)}]\n`,
    );
  });

  it.each([
    ['/graphql', (t: string) => g.graphql(listQuery, auth(t)).then((r) => ({ status: r.status, header: r.headers.get('www-authenticate') }))],
    [
      'the passthrough',
      (t: string) => g.fetch('/rest/Catalog/products', { headers: auth(t) }).then((r) => ({ status: r.status, header: r.headers.get('www-authenticate') })),
    ],
  ])('is a valid quoted-string whatever the reason holds, on %s', async (_name, call) => {
    const answer = await call(await token());
    expect(answer.status).toBe(401);
    const parsed = parseChallenge(answer.header ?? '');
    expect(parsed).toEqual({
      scheme: 'Bearer',
      params: { realm: 'tributary', error: 'invalid_token', error_description: 'the token\'s "te"n\\ant??X-Evil: 1???" claim is not accepted' },
    });
    expect(world.calls()).toBe(0);
  });

  it('keeps the other challenges well-formed too', async () => {
    const malformed = await g.graphql(listQuery, { authorization: 'Bearer not a token' });
    expect(parseChallenge(malformed.headers.get('www-authenticate') ?? '')?.params).toEqual({
      realm: 'tributary',
      error: 'invalid_token',
      error_description: 'malformed token',
    });
    const missing = await g.graphql(listQuery);
    expect(parseChallenge(missing.headers.get('www-authenticate') ?? '')).toEqual({ scheme: 'Bearer', params: { realm: 'tributary' } });
  });
});

describe('X-Forwarded-For', () => {
  it('is rebuilt by the passthrough: a client-written entry is dropped unless a trusted proxy added it', async () => {
    const untrusted = await socketGatewayWith('');
    await fetch(`${untrusted.base}/rest/People/whoami`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    const trusting = await socketGatewayWith('  policies:\n    trustedProxies: [127.0.0.0/8]\n');
    await fetch(`${trusting.base}/rest/People/whoami`, { headers: { 'x-forwarded-for': '198.51.100.1, 203.0.113.9' } });
    expect(world.people.calls.map((c) => c.headers['x-forwarded-for'])).toEqual(['127.0.0.1', '203.0.113.9, 127.0.0.1']);
  });
});

describe('production defaults (NODE_ENV=production, no policy config)', () => {
  let prod: RunningGateway;
  beforeAll(async () => {
    prod = await gatewayWith('', { nodeEnv: 'production' });
  });

  it('refuses introspection with INTROSPECTION_DISABLED', async () => {
    const r = await prod.graphql({ query: '{ __schema { types { name } } }' });
    expect({ status: r.status, codes: [...new Set(codes(r.json))] }).toEqual({ status: 400, codes: ['INTROSPECTION_DISABLED'] });
  });

  it('does not serve GraphiQL', async () => {
    const r = await prod.fetch('/graphql', { headers: { accept: 'text/html' } });
    expect(await r.text()).not.toContain('<html');
  });

  it('hides field suggestions', async () => {
    const r = await prod.graphql({ query: '{ listProduct { id } }' });
    expect(r.text).not.toContain('Did you mean');
    const dev = await gatewayWith('');
    expect((await dev.graphql({ query: '{ listProduct { id } }' })).text).toContain('Did you mean');
  });

  it('sends no CORS headers (same origin only)', async () => {
    const r = await prod.fetch('/graphql', { method: 'OPTIONS', headers: { origin: 'https://evil.test', 'access-control-request-method': 'POST' } });
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
  });
});
