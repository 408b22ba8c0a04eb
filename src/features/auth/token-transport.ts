import { parse } from 'cookie';
import type { CookieOptions, Request, Response } from 'express';
import type { TokenPair } from '../sessions/session.service.js';

/*
 * How tokens travel. By default in response bodies, as the tutorial's clients expect. With
 * cookie transport (COOKIE_TRANSPORT=true), in httpOnly, SameSite=Strict cookies that page
 * scripts cannot read, for browser clients using `withCredentials`; bodies then carry no token.
 */

export const ACCESS_COOKIE = 'tg_access';
export const REFRESH_COOKIE = 'tg_refresh';
/** The refresh cookie is only sent to the endpoints that use it. */
const REFRESH_COOKIE_PATH = '/api/auth';

export interface TokenTransportOptions {
  cookies: boolean;
  /** Secure cookies (HTTPS only): on in production. */
  secure: boolean;
  accessTtlSeconds: number;
  sessionMaxAgeSeconds: number;
  /**
   * The path of PUBLIC_URL ('' at the root, '/auth' behind a proxy that strips that prefix): the
   * browser sees the cookie paths under it.
   */
  pathPrefix?: string;
}

export interface TokenTransport {
  readonly cookies: boolean;
  /** Sets the cookies in cookie mode; returns the body to send (without tokens in cookie mode). */
  deliver<T extends TokenPair>(res: Response, result: T): Partial<T>;
  /** The refresh token from the body, or from its cookie in cookie mode. */
  refreshTokenFrom(req: Request, fromBody: string | undefined): string | undefined;
  /** The access token from its cookie in cookie mode. */
  accessTokenFrom(req: Request): string | undefined;
  clear(res: Response): void;
}

export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  const value = parse(header)[name];
  return value ? value : undefined;
}

export function createTokenTransport(options: TokenTransportOptions): TokenTransport {
  const base: CookieOptions = { httpOnly: true, sameSite: 'strict', secure: options.secure };
  const prefix = options.pathPrefix ?? '';
  const accessCookie: CookieOptions = { ...base, path: prefix || '/' };
  const refreshCookie: CookieOptions = { ...base, path: `${prefix}${REFRESH_COOKIE_PATH}` };

  return {
    cookies: options.cookies,

    deliver(res, result) {
      if (!options.cookies) return result;
      res.cookie(ACCESS_COOKIE, result.accessToken, { ...accessCookie, maxAge: options.accessTtlSeconds * 1000 });
      res.cookie(REFRESH_COOKIE, result.refreshToken, { ...refreshCookie, maxAge: options.sessionMaxAgeSeconds * 1000 });
      // No token in the body, so no tokenType either: the cookies carry the tokens.
      const { accessToken: _access, refreshToken: _refresh, tokenType: _type, ...rest } = result;
      return rest as Partial<typeof result>;
    },

    refreshTokenFrom(req, fromBody) {
      if (fromBody) return fromBody;
      return options.cookies ? readCookie(req, REFRESH_COOKIE) : undefined;
    },

    accessTokenFrom(req) {
      return options.cookies ? readCookie(req, ACCESS_COOKIE) : undefined;
    },

    clear(res) {
      if (!options.cookies) return;
      res.clearCookie(ACCESS_COOKIE, accessCookie);
      res.clearCookie(REFRESH_COOKIE, refreshCookie);
    },
  };
}
