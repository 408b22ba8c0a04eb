import express, { type RequestHandler } from 'express';
import { createRequire } from 'node:module';
import { defineRoute, type RouteDefinition } from '../../lib/route.js';

const require = createRequire(import.meta.url);
// Only the path helper: the package's main module would load the 1.5 MB bundle into the server.
const swaggerUiPath = require('swagger-ui-dist/absolute-path.js') as () => string;

/** Swagger UI's own files are scripts and styles from this server: nothing from the internet. */
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

export const DOCS_ASSETS_PATH = '/api/docs/assets';

/**
 * The page and its script name URLs as the browser sees them: under `prefix`, the path of
 * PUBLIC_URL ('' at the root; '/auth' behind a proxy that strips that prefix).
 */
const page = (prefix: string) => `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Tokengate API</title>
  <link rel="stylesheet" href="${prefix}${DOCS_ASSETS_PATH}/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${prefix}${DOCS_ASSETS_PATH}/swagger-ui-bundle.js"></script>
  <script src="${prefix}${DOCS_ASSETS_PATH}/tokengate-init.js"></script>
</body>
</html>
`;

// validatorUrl: null, or Swagger UI would ask validator.swagger.io about the document.
const init = (prefix: string) =>
  `window.ui = SwaggerUIBundle({ url: ${JSON.stringify(`${prefix}/api/openapi.json`)}, dom_id: '#swagger-ui', deepLinking: true, validatorUrl: null });\n`;

/** GET /api/docs: an interactive page for the OpenAPI document, served from the swagger-ui-dist package. */
export function docsRoutes(prefix = ''): RouteDefinition[] {
  const html = page(prefix);
  return [
    defineRoute({
      method: 'get',
      path: '/api/docs',
      summary: 'Interactive documentation of this API.',
      tags: ['operations'],
      access: 'public',
      responses: { 200: { description: 'An HTML page.', type: 'html' } },
      handler: ({ res }) => {
        res.set('Content-Security-Policy', CSP).type('html').send(html);
      },
    }),
  ];
}

/** The files the page loads from swagger-ui-dist; nothing else of the package is served (no index.html, no source maps). */
const SWAGGER_FILES = new Set(['/swagger-ui.css', '/swagger-ui-bundle.js']);

/** The docs page's scripts and styles (files of a page, not API operations), under DOCS_ASSETS_PATH. */
export function docsAssets(prefix = ''): RequestHandler[] {
  const script = init(prefix);
  const files = express.static(swaggerUiPath(), { index: false, fallthrough: true, maxAge: '1h' });
  return [
    (req, res, next) => {
      if (req.path === '/tokengate-init.js') {
        res.set('Content-Security-Policy', CSP).type('application/javascript').send(script);
      } else if (SWAGGER_FILES.has(req.path)) {
        res.set('Content-Security-Policy', CSP);
        files(req, res, next);
      } else {
        next();
      }
    },
  ];
}
