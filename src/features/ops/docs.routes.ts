import express, { Router } from 'express';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// Only the path helper: the package's main module would load the 1.5 MB bundle into the server.
const swaggerUiPath = require('swagger-ui-dist/absolute-path.js') as () => string;

/** Swagger UI's own files are scripts and styles from this server: nothing from the internet. */
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

const page = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Tokengate API</title>
  <link rel="stylesheet" href="/api/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/api/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/api/docs/assets/tokengate-init.js"></script>
</body>
</html>
`;

// validatorUrl: null, or Swagger UI would ask validator.swagger.io about the document.
const init = `window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#swagger-ui', deepLinking: true, validatorUrl: null });\n`;

/** GET /api/docs: an interactive page for the OpenAPI document, served from the swagger-ui-dist package. */
export function docsRoutes(): Router {
  const router = Router();
  router.use((_req, res, next) => {
    res.set('Content-Security-Policy', CSP);
    next();
  });
  router.get('/', (_req, res) => {
    res.type('html').send(page);
  });
  router.get('/assets/tokengate-init.js', (_req, res) => {
    res.type('application/javascript').send(init);
  });
  router.use('/assets', express.static(swaggerUiPath(), { index: false, fallthrough: true, maxAge: '1h' }));
  return router;
}
