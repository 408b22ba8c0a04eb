import { Router } from 'express';
import { JWKS_MAX_AGE_SECONDS, type KeyRing } from './key-ring.js';

/** The public signing keys, for services that verify Tokengate's tokens themselves (RFC 7517). */
export function jwksRoutes(keys: KeyRing): Router {
  const router = Router();
  router.get('/jwks.json', (_req, res) => {
    res.set('Cache-Control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`).type('application/jwk-set+json').json(keys.jwks());
  });
  return router;
}
