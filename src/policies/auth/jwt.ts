// JWT verification with jose. What makes a token acceptable is decided once, from config:
// the algorithms (an explicit allow-list, so `alg: none` and an HS256 token signed with
// an RSA public key as its "secret" — algorithm confusion — are refused by construction,
// RFC 8725 §3.1-3.2), the key (secret, PEM public key, or a JWKS URL fetched on demand and
// cached), issuer, audience, and claims that must be present.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { TributaryError } from '../../errors.ts';
import type { JwtSettings } from '../../config/policies.ts';
import { resolveEnv } from '../env-template.ts';

export interface VerifiedJwt {
  readonly subject: string | undefined;
  readonly claims: JWTPayload;
}

/** Why a token was refused, in words safe for the client (RFC 6750 §3.1 error_description). */
export class InvalidToken extends Error {}

export type JwtVerifier = (token: string) => Promise<VerifiedJwt>;

export function createJwtVerifier(settings: JwtSettings, where: string, now?: () => number): JwtVerifier {
  const key = keyOf(settings, where);
  const options = {
    algorithms: settings.algorithms,
    issuer: settings.issuer,
    audience: settings.audience,
    clockTolerance: settings.clockToleranceSec,
    requiredClaims: settings.requiredClaims,
  };
  return async function verifyJwt(token) {
    try {
      const { payload } = await jwtVerify(token, key as never, now ? { ...options, currentDate: new Date(now()) } : options);
      return { subject: typeof payload.sub === 'string' ? payload.sub : undefined, claims: payload };
    } catch (error) {
      throw new InvalidToken(describe(error), { cause: error });
    }
  };
}

function keyOf(settings: JwtSettings, where: string): Uint8Array | KeyObject | JWTVerifyGetKey {
  if (settings.secret !== undefined) {
    const secret = resolveEnv(settings.secret, `${where}.secret`);
    // RFC 7518 §3.2: an HS256 key shorter than the hash output is brute-forceable.
    if (Buffer.byteLength(secret) < 32)
      throw new TributaryError(
        'CONFIG_INVALID',
        `${where}.secret: expected at least 32 bytes for HS* algorithms (RFC 7518 §3.2), found ${Buffer.byteLength(secret)}.`,
      );
    return new TextEncoder().encode(secret);
  }
  if (settings.publicKey !== undefined) {
    try {
      return createPublicKey(resolveEnv(settings.publicKey, `${where}.publicKey`));
    } catch (error) {
      if (error instanceof TributaryError) throw error;
      throw new TributaryError(
        'CONFIG_INVALID',
        `${where}.publicKey: expected a PEM public key, found something that cannot be read as one (${(error as Error).message}).`,
      );
    }
  }
  return createRemoteJWKSet(new URL(settings.jwksUrl!), {
    cacheMaxAge: settings.jwksCacheMs,
    cooldownDuration: settings.jwksCooldownMs,
    timeoutDuration: settings.jwksTimeoutMs,
  });
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `the token's "${error.claim}" claim is not accepted`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the token is signed with an algorithm that is not accepted';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token signature is not valid';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no key matches the token';
  if (error instanceof errors.JWKSTimeout || (error instanceof errors.JOSEError && error.code === 'ERR_JWKS_INVALID'))
    return 'the signing keys could not be fetched';
  return 'the token is malformed or cannot be verified';
}
