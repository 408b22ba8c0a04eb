import type { Request, RequestHandler } from 'express';
import type { AccessClaims, TokenService } from '../features/tokens/token.service.js';
import { AppError } from '../lib/errors.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Claims of the verified access token, set by authenticate(). */
      auth?: AccessClaims;
      /** Set by identify(): the token is unexpired and its session not ended (it may act for its user). */
      authLive?: boolean;
    }
  }
}

/**
 * The access token from `x-access-token` or `Authorization: Bearer …` (scheme in any case).
 * Never from the query string: URLs end up in logs and browser history.
 */
export function extractAccessToken(req: Request): string | undefined {
  const header = req.headers['x-access-token'];
  if (typeof header === 'string' && header.trim() !== '') return header.trim();
  const match = /^bearer(?:\s+(.*))?$/i.exec(req.headers.authorization?.trim() ?? '');
  const token = match?.[1]?.trim();
  return token ? token : undefined;
}

export interface AuthenticateOptions {
  tokens: Pick<TokenService, 'verifyAccessToken'>;
  /** Final in-memory say on a verified token (revocations); false refuses it. No I/O. */
  admit: (claims: AccessClaims) => boolean;
  /** Where else to look when no header carries a token (the cookie, in cookie transport). */
  fallback?: (req: Request) => string | undefined;
}

/** Verifies the access token in memory: no database query on a protected request. */
export function authenticate({ tokens, admit, fallback }: AuthenticateOptions): RequestHandler {
  return (req, _res, next) => {
    const token = extractAccessToken(req) ?? fallback?.(req);
    if (token === undefined) throw new AppError('TOKEN_MISSING');
    const claims = tokens.verifyAccessToken(token);
    if (!admit(claims)) throw new AppError('TOKEN_INVALID');
    req.auth = claims;
    next();
  };
}

/**
 * Sets `req.auth` when a genuine access token is presented, even an expired or revoked one, and
 * never refuses the request: for signout, which must work however stale the client's token is.
 * `req.authLive` says whether the token could do anything else: a dead token (expired, or of an
 * ended session) may name its own session, and nothing more.
 */
export function identify({ tokens, admit, fallback }: AuthenticateOptions): RequestHandler {
  return (req, _res, next) => {
    const token = extractAccessToken(req) ?? fallback?.(req);
    req.auth = undefined;
    req.authLive = false;
    if (token !== undefined) {
      try {
        req.auth = tokens.verifyAccessToken(token);
        req.authLive = admit(req.auth);
      } catch {
        try {
          req.auth = tokens.verifyAccessToken(token, { ignoreExpiry: true });
        } catch {
          req.auth = undefined;
        }
      }
    }
    next();
  };
}
