import type { Request, RequestHandler } from 'express';
import { AppError } from '../lib/errors.js';
import { wantsConsoleCookies } from '../features/auth/token-transport.js';
import { extractAccessToken } from './authenticate.js';

/*
 * Cross-site request forgery, in cookie transport: a page on another origin can make a browser
 * send a form post with this site's cookies, without a CORS preflight — and SameSite=Strict does
 * not stop a page on another port of the same host, or on a sibling subdomain (both count as
 * same-site). So a request that changes state and is not authenticated by a header must come
 * from an allowed origin: CORS_ORIGINS, the console's own (PUBLIC_URL), or the server's own.
 * Without an Origin header, Sec-Fetch-Site decides; without either, the client is not a browser.
 * Clients that send `Authorization: Bearer` or `x-access-token` are not affected: a browser
 * sends those headers cross-origin only after a CORS preflight that CORS_ORIGINS governs.
 * The console's cookies (features/auth/token-transport.ts) are guarded the same way whatever
 * COOKIE_TRANSPORT says: they count only on a request with `Token-Delivery: cookie`, and every
 * such request is checked (a signin asking for them from another origin would be a login CSRF).
 */

export interface CsrfOptions {
  /** Whether tokens travel in cookies (COOKIE_TRANSPORT); without cookies there is nothing to forge. */
  cookies: boolean;
  /** Origins allowed to send cookie-authenticated requests that change state. */
  allowedOrigins: readonly string[];
}

const ownOrigin = (req: Request) => `${req.protocol}://${req.get('host') ?? ''}`;

function refuse(from: string): never {
  throw new AppError(
    'CSRF_REJECTED',
    `Refused: a request from ${from} may not use this site's session cookies to change anything. ` +
      'Call the API from an origin listed in CORS_ORIGINS, or send the access token in an Authorization header.',
  );
}

export function csrfGuard({ cookies, allowedOrigins }: CsrfOptions): RequestHandler {
  const allowed = new Set(allowedOrigins.filter((origin) => origin !== '*'));
  return (req, _res, next) => {
    if (extractAccessToken(req) !== undefined) return next();
    if (!cookies && !wantsConsoleCookies(req)) return next();
    const origin = req.headers.origin;
    if (origin !== undefined) {
      if (origin !== 'null' && (allowed.has(origin) || origin === ownOrigin(req))) return next();
      refuse(origin === 'null' ? 'an opaque origin ("null")' : origin);
    }
    const site = req.headers['sec-fetch-site'];
    if (site === undefined || site === 'same-origin' || site === 'none') return next();
    refuse(`a ${site} page`);
  };
}
