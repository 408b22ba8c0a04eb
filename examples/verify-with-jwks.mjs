// How another service verifies Tokengate's access tokens on its own, with the `jose` package and
// Tokengate's public keys (JWKS). Tokengate is then not on that service's request path.
import { createRemoteJWKSet, jwtVerify } from 'jose';

/** @param {{ baseUrl: string, issuer?: string, audience?: string }} options */
export function createTokengateVerifier({ baseUrl, issuer = 'tokengate', audience = 'tokengate' }) {
  // Fetched once, cached, and fetched again when a token names a key it does not know yet.
  // Relative to baseUrl, so that a path prefix (https://example.com/auth) is kept.
  const jwks = createRemoteJWKSet(new URL('.well-known/jwks.json', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`));

  /** @param {string} accessToken */
  return async function verify(accessToken) {
    const { payload } = await jwtVerify(accessToken, jwks, {
      issuer,
      audience,
      typ: 'at+jwt',
      algorithms: ['ES256', 'RS256', 'EdDSA'],
    });
    return { userId: payload.sub, roles: payload.roles, sessionId: payload.sid };
  };
}

// Usage:
//   const verify = createTokengateVerifier({ baseUrl: 'https://auth.example.com' });
//   const { userId, roles } = await verify(req.headers.authorization.slice('Bearer '.length));
