import type { Config } from '../../config/config.loader.js';
import { CLOCK_LEEWAY_SECONDS, epochSeconds, type Clock } from '../../lib/clock.js';
import { randomToken } from '../../lib/crypto.js';
import { AppError } from '../../lib/errors.js';
import { LEGACY_AMR } from '../../lib/proof.js';
import { signJwt, TokenRejectedError, verifyJwt } from './jwt.js';
import type { KeyRing } from './key-ring.js';
import { createVerifiedTokenCache } from './verified-token-cache.js';

export const ACCESS_TOKEN_TYPE = 'at+jwt';
/** Verified tokens kept in memory per instance (about 1 KB each). */
export const VERIFIED_TOKEN_CACHE_SIZE = 10_000;

/** What a verified access token says about its bearer. */
export interface AccessClaims {
  /** User id as a string (JWT convention). */
  readonly sub: string;
  /** The same user id as a number, for tutorial-era consumers. */
  readonly id: number;
  readonly roles: readonly string[];
  /** The session the token belongs to; its end revokes the token. */
  readonly sid: string;
  /** Whether the account's address was verified when the token was issued; absent from older tokens. */
  readonly email_verified?: boolean;
  readonly iat: number;
  readonly exp: number;
  readonly jti: string;
  /** How the session's signin was proven (RFC 8176); ["pwd"] for tokens issued without it. */
  readonly amr: readonly string[];
}

export interface AccessTokenSubject {
  id: number;
  roles: readonly string[];
  sessionId: string;
  emailVerified?: boolean | undefined;
  amr: readonly string[];
}

export interface IssuedAccessToken {
  token: string;
  /** Lifetime in seconds. */
  expiresIn: number;
  claims: AccessClaims;
}

export interface TokenService {
  /** Synchronous: signing takes microseconds on the main thread. */
  issueAccessToken(subject: AccessTokenSubject): IssuedAccessToken;
  /**
   * Synchronous and free of I/O. Throws AppError TOKEN_EXPIRED or TOKEN_INVALID.
   * `ignoreExpiry` accepts an expired but genuine token (signout may name its session).
   */
  verifyAccessToken(token: string, options?: { ignoreExpiry?: boolean }): AccessClaims;
}

const isStringList = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === 'string');

function toAccessClaims(claims: Record<string, unknown>): AccessClaims {
  const { sub, id, roles, sid, iat, exp, jti, amr, email_verified: emailVerified } = claims;
  const valid =
    typeof sub === 'string' &&
    /^\d{1,15}$/.test(sub) &&
    id === Number(sub) &&
    isStringList(roles) &&
    typeof sid === 'string' &&
    typeof jti === 'string' &&
    (amr === undefined || (isStringList(amr) && amr.length > 0)) &&
    (emailVerified === undefined || typeof emailVerified === 'boolean');
  if (!valid) throw new TokenRejectedError('invalid', 'malformed claims');
  // Tokens signed before second factors existed carry no amr: a password proved them.
  const methods = amr === undefined ? LEGACY_AMR : Object.freeze([...amr]);
  const verified = emailVerified === undefined ? {} : { email_verified: emailVerified };
  return Object.freeze({
    sub,
    id,
    roles: Object.freeze([...roles]),
    sid,
    ...verified,
    iat: iat as number,
    exp: exp as number,
    jti,
    amr: methods,
  });
}

export interface TokenServiceDeps {
  config: Config['tokens'];
  keys: KeyRing;
  clock: Clock;
  cacheSize?: number;
}

export function createTokenService({ config, keys, clock, cacheSize = VERIFIED_TOKEN_CACHE_SIZE }: TokenServiceDeps): TokenService {
  const verified = createVerifiedTokenCache<AccessClaims>(cacheSize);

  function verifyUncached(token: string, now: number, ignoreExpiry: boolean): AccessClaims {
    const { claims } = verifyJwt(token, {
      algorithms: keys.algorithms(),
      keyFor: (header) => keys.verificationKey(header),
      type: ACCESS_TOKEN_TYPE,
      issuer: config.issuer,
      audience: config.audience,
      now,
      leeway: CLOCK_LEEWAY_SECONDS,
      ignoreExpiry,
    });
    return toAccessClaims(claims);
  }

  return {
    issueAccessToken(subject) {
      const iat = epochSeconds(clock);
      const claims: AccessClaims = {
        sub: String(subject.id),
        id: subject.id,
        roles: [...subject.roles],
        sid: subject.sessionId,
        ...(subject.emailVerified === undefined ? {} : { email_verified: subject.emailVerified }),
        iat,
        exp: iat + config.accessTtlSeconds,
        jti: randomToken(16),
        amr: [...subject.amr],
      };
      const key = keys.signingKey();
      const payload = { ...claims, iss: config.issuer, aud: config.audience };
      const token = signJwt({ alg: key.alg, typ: ACCESS_TOKEN_TYPE, kid: key.kid }, payload, key.privateKey);
      return { token, expiresIn: config.accessTtlSeconds, claims };
    },

    verifyAccessToken(token, options = {}) {
      const now = epochSeconds(clock);
      const ignoreExpiry = options.ignoreExpiry ?? false;
      const cached = ignoreExpiry ? undefined : verified.get(token, now);
      if (cached) return cached;
      try {
        const claims = verifyUncached(token, now, ignoreExpiry);
        if (!ignoreExpiry) verified.set(token, claims, claims.exp);
        return claims;
      } catch (error) {
        if (error instanceof TokenRejectedError) {
          throw new AppError(error.reason === 'expired' ? 'TOKEN_EXPIRED' : 'TOKEN_INVALID', undefined, { cause: error });
        }
        throw error;
      }
    },
  };
}
