import { parse } from 'cookie';
import type { CookieOptions, Request, Response } from 'express';
import type { TokenPair } from '../sessions/session.service.js';

/*
 * How tokens travel. By default in response bodies, as the tutorial's clients expect. With
 * cookie transport (COOKIE_TRANSPORT=true), in httpOnly, SameSite=Strict cookies that page
 * scripts cannot read, for browser clients using `withCredentials`; bodies then carry no token.
 *
 * The console (/console/) always keeps its tokens in cookies of its own, whatever
 * COOKIE_TRANSPORT says: it sends `Token-Delivery: cookie` on every call. Its cookies are
 * httpOnly, SameSite=Strict, Secure when PUBLIC_URL is https or in production, and sent only to
 * the API under PUBLIC_URL's path. They count only on a request with that header: CORS does not
 * allow it, so only the console's own origin can send it, and no other script (an app on a
 * sibling origin, the docs page's "Try it out") can spend the console's session or read the
 * tokens a refresh would answer. Requests with the header are CSRF-guarded (http/csrf.ts) too.
 * A request with the header uses the console's cookies only, one without it the API cookies only.
 */

export const ACCESS_COOKIE = 'tg_access';
export const REFRESH_COOKIE = 'tg_refresh';
export const CONSOLE_ACCESS_COOKIE = 'tg_console_access';
export const CONSOLE_REFRESH_COOKIE = 'tg_console_refresh';
/** The request header by which the console asks for its tokens in cookies. */
export const TOKEN_DELIVERY_HEADER = 'token-delivery';
/** The refresh cookie is only sent to the endpoints that use it. */
const REFRESH_COOKIE_PATH = '/api/auth';

export interface TokenTransportOptions {
  cookies: boolean;
  /** Secure cookies (HTTPS only): on in production. */
  secure: boolean;
  accessTtlSeconds: number;
  sessionMaxAgeSeconds: number;
  /** PUBLIC_URL: the console's cookies follow its scheme (Secure on https) and its path. */
  publicUrl: string;
}

export interface TokenTransport {
  readonly cookies: boolean;
  /** Sets the cookies in cookie mode or for the console; returns the body to send (then without tokens). */
  deliver<T extends TokenPair>(req: Request, res: Response, result: T): Partial<T>;
  /** The refresh token from the body, or from its cookie (the console's with Token-Delivery, else cookie mode's). */
  refreshTokenFrom(req: Request, fromBody: string | undefined): string | undefined;
  /** The access token from its cookie: the console's with Token-Delivery, else cookie mode's. */
  accessTokenFrom(req: Request): string | undefined;
  clear(req: Request, res: Response): void;
}

export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  const value = parse(header)[name];
  return value ? value : undefined;
}

/** Whether the request asks for the console's cookies (`Token-Delivery: cookie`). */
export function wantsConsoleCookies(req: Request): boolean {
  return req.headers[TOKEN_DELIVERY_HEADER]?.toString().trim().toLowerCase() === 'cookie';
}

/** Whether the request carries the console's cookies, or asks for them: signout clears them. */
export function carriesConsoleCookies(req: Request): boolean {
  return wantsConsoleCookies(req) || readCookie(req, CONSOLE_ACCESS_COOKIE) !== undefined || readCookie(req, CONSOLE_REFRESH_COOKIE) !== undefined;
}

/** The body without tokens, and so without tokenType either: the cookies carry the tokens. */
function withoutTokens<T extends TokenPair>(result: T): Partial<T> {
  const { accessToken: _access, refreshToken: _refresh, tokenType: _type, ...rest } = result as T & { tokenType?: string };
  return rest as Partial<T>;
}

export function createTokenTransport(options: TokenTransportOptions): TokenTransport {
  const base: CookieOptions = { httpOnly: true, sameSite: 'strict', secure: options.secure };
  const publicUrl = new URL(options.publicUrl);
  // PUBLIC_URL's path ('' at the root, '/auth' behind a proxy that strips that prefix): the
  // browser sees the cookie paths under it.
  const prefix = publicUrl.pathname.replace(/\/+$/, '');
  const accessCookie: CookieOptions = { ...base, path: prefix || '/' };
  const refreshCookie: CookieOptions = { ...base, path: `${prefix}${REFRESH_COOKIE_PATH}` };
  const consoleBase: CookieOptions = { httpOnly: true, sameSite: 'strict', secure: options.secure || publicUrl.protocol === 'https:' };
  const consoleAccess: CookieOptions = { ...consoleBase, path: `${prefix}/api` };
  const consoleRefresh: CookieOptions = { ...consoleBase, path: `${prefix}${REFRESH_COOKIE_PATH}` };

  return {
    cookies: options.cookies,

    deliver(req, res, result) {
      if (wantsConsoleCookies(req)) {
        res.cookie(CONSOLE_ACCESS_COOKIE, result.accessToken, { ...consoleAccess, maxAge: options.accessTtlSeconds * 1000 });
        res.cookie(CONSOLE_REFRESH_COOKIE, result.refreshToken, { ...consoleRefresh, maxAge: options.sessionMaxAgeSeconds * 1000 });
        return withoutTokens(result);
      }
      if (!options.cookies) return result;
      res.cookie(ACCESS_COOKIE, result.accessToken, { ...accessCookie, maxAge: options.accessTtlSeconds * 1000 });
      res.cookie(REFRESH_COOKIE, result.refreshToken, { ...refreshCookie, maxAge: options.sessionMaxAgeSeconds * 1000 });
      return withoutTokens(result);
    },

    refreshTokenFrom(req, fromBody) {
      if (fromBody) return fromBody;
      if (wantsConsoleCookies(req)) return readCookie(req, CONSOLE_REFRESH_COOKIE);
      return options.cookies ? readCookie(req, REFRESH_COOKIE) : undefined;
    },

    accessTokenFrom(req) {
      if (wantsConsoleCookies(req)) return readCookie(req, CONSOLE_ACCESS_COOKIE);
      return options.cookies ? readCookie(req, ACCESS_COOKIE) : undefined;
    },

    clear(req, res) {
      if (carriesConsoleCookies(req)) {
        res.clearCookie(CONSOLE_ACCESS_COOKIE, consoleAccess);
        res.clearCookie(CONSOLE_REFRESH_COOKIE, consoleRefresh);
      }
      if (!options.cookies) return;
      res.clearCookie(ACCESS_COOKIE, accessCookie);
      res.clearCookie(REFRESH_COOKIE, refreshCookie);
    },
  };
}
