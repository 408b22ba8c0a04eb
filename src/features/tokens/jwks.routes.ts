import { z } from 'zod';
import { defineRoute, type RouteDefinition } from '../../lib/route.js';
import { JWKS_MAX_AGE_SECONDS, type KeyRing } from './key-ring.js';

const jwks = z
  .object({ keys: z.array(z.record(z.string(), z.unknown()).describe('A public JWK with kid, alg and use.')) })
  .meta({ id: 'JWKS' });

/** The public signing keys, for services that verify Tokengate's tokens themselves (RFC 7517). */
export function jwksRoutes(keys: KeyRing): RouteDefinition[] {
  return [
    defineRoute({
      method: 'get',
      path: '/.well-known/jwks.json',
      summary: 'The public signing keys (JWKS).',
      tags: ['keys'],
      access: 'public',
      responses: { 200: { description: 'The key set.', schema: jwks } },
      handler: ({ res }) => {
        res.set('Cache-Control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`).type('application/jwk-set+json').json(keys.jwks());
      },
    }),
  ];
}
