import express, { type RequestHandler } from 'express';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../lib/errors.js';

/*
 * The console (DESIGN.md section 12): a single-page app built by Vite from console/ into
 * dist/console (`npm run build`), served here at /console/. Its files are scripts, styles and
 * images of this server only, under a strict CSP: no inline script, no eval, nothing from
 * elsewhere; images may be data: URLs (the authenticator app's QR code).
 */

export const CONSOLE_PATH = '/console';

/** dist/console, from src/http (tests) and dist/http (the built server) alike. */
const CONSOLE_DIR = fileURLToPath(new URL('../../dist/console', import.meta.url));

const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export interface ConsoleOptions {
  appName: string;
  /** PUBLIC_URL's path ('' at the root): the page's <base> follows it (a proxy may serve Tokengate under a prefix). */
  prefix: string;
  dir?: string;
}

/**
 * The console's files: hashed assets (cached for a year), and the page itself for every other
 * path without a file extension (the app's own routes: /console/verify-email, /console/account…).
 */
export function consoleAssets({ appName, prefix, dir = CONSOLE_DIR }: ConsoleOptions): RequestHandler[] {
  const files = express.static(dir, { index: false, fallthrough: true, maxAge: '365d', immutable: true });
  const base = `${prefix}${CONSOLE_PATH}/`;
  let page: string | undefined;
  const indexPage = () => {
    const file = path.join(dir, 'index.html');
    if (!existsSync(file)) throw new AppError('NOT_FOUND', 'The console is not built: run "npm run build".');
    return (page ??= readFileSync(file, 'utf8').replaceAll('__APP_NAME__', escapeHtml(appName)).replaceAll('__BASE__', escapeHtml(base)));
  };
  return [
    (req, res, next) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        next();
      } else if (req.path.startsWith('/assets/')) {
        res.set('Content-Security-Policy', CONSOLE_CSP);
        void files(req, res, next);
      } else if (req.originalUrl.split('?')[0] === CONSOLE_PATH) {
        // /console → /console/, so that the page's relative URLs resolve.
        res.redirect(308, `${base}${req.originalUrl.slice(CONSOLE_PATH.length)}`);
      } else if (path.extname(req.path) !== '') {
        next();
      } else {
        res.set('Content-Security-Policy', CONSOLE_CSP).set('Cache-Control', 'no-cache').type('html').send(indexPage());
      }
    },
  ];
}
