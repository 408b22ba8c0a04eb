import { createSecretKey } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Config } from '../../config/config.schema.js';
import { epochSeconds, type Clock } from '../../lib/clock.js';
import { randomToken, sha256Hex } from '../../lib/crypto.js';
import { AppError } from '../../lib/errors.js';
import { TokenRejectedError, verifyJwt } from './jwt.js';

export const ACCESS_TOKEN_TYPE = 'at+jwt';
const CLOCK_LEEWAY_SECONDS = 5;

/** What a verified access token says about its bearer. */
export interface AccessClaims {
  /** User id as a string (JWT convention). */
  sub: string;
  /** The same user id as a number, for tutorial-era consumers. */
  id: number;
  roles: string[];
  /** The session the token belongs to; its end revokes the token. */
  sid: string;
  iat: number;
  exp: number;
  jti: string;
}

export interface AccessTokenSubject {
  id: number;
  roles: readonly string[];
  sessionId: string;
}

export interface IssuedAccessToken {
  token: string;
  /** Lifetime in seconds. */
  expiresIn: number;
  claims: AccessClaims;
}

export interface TokenService {
  issueAccessToken(subject: AccessTokenSubject): Promise<IssuedAccessToken>;
  /**
   * Synchronous and free of I/O. Throws AppError TOKEN_EXPIRED or TOKEN_INVALID.
   * `ignoreExpiry` accepts an expired but genuine token (signout may name its session).
   */
  verifyAccessToken(token: string, options?: { ignoreExpiry?: boolean }): AccessClaims;
}

function toAccessClaims(claims: Record<string, unknown>): AccessClaims {
  const { sub, id, roles, sid, iat, exp, jti } = claims;
  const valid =
    typeof sub === 'string' &&
    /^\d{1,15}$/.test(sub) &&
    id === Number(sub) &&
    Array.isArray(roles) &&
    roles.every((r) => typeof r === 'string') &&
    typeof sid === 'string' &&
    typeof jti === 'string';
  if (!valid) throw new TokenRejectedError('invalid', 'malformed claims');
  return { sub, id, roles, sid, iat: iat as number, exp: exp as number, jti };
}

export interface TokenServiceDeps {
  config: Config['tokens'];
  clock: Clock;
}

export function createTokenService({ config, clock }: TokenServiceDeps): TokenService {
  const key = createSecretKey(Buffer.from(config.secret, 'utf8'));
  // A fingerprint, not the secret: lets a verifier tell which shared secret signed a token.
  const kid = `hs256-${sha256Hex(config.secret).slice(0, 12)}`;

  return {
    async issueAccessToken(subject) {
      const iat = epochSeconds(clock);
      const claims: AccessClaims = {
        sub: String(subject.id),
        id: subject.id,
        roles: [...subject.roles],
        sid: subject.sessionId,
        iat,
        exp: iat + config.accessTtlSeconds,
        jti: randomToken(16),
      };
      const token = await new SignJWT({ id: claims.id, roles: claims.roles, sid: claims.sid })
        .setProtectedHeader({ alg: config.algorithm, typ: ACCESS_TOKEN_TYPE, kid })
        .setIssuer(config.issuer)
        .setAudience(config.audience)
        .setSubject(claims.sub)
        .setIssuedAt(claims.iat)
        .setExpirationTime(claims.exp)
        .setJti(claims.jti)
        .sign(key);
      return { token, expiresIn: config.accessTtlSeconds, claims };
    },

    verifyAccessToken(token, options = {}) {
      try {
        const { claims } = verifyJwt(token, {
          algorithms: [config.algorithm],
          keyFor: (header) => (header.alg === config.algorithm ? key : undefined),
          type: ACCESS_TOKEN_TYPE,
          issuer: config.issuer,
          audience: config.audience,
          now: epochSeconds(clock),
          leeway: CLOCK_LEEWAY_SECONDS,
          ignoreExpiry: options.ignoreExpiry ?? false,
        });
        return toAccessClaims(claims);
      } catch (error) {
        if (error instanceof TokenRejectedError) {
          throw new AppError(error.reason === 'expired' ? 'TOKEN_EXPIRED' : 'TOKEN_INVALID', undefined, { cause: error });
        }
        throw error;
      }
    },
  };
}
