import { z } from 'zod';
import { duration, setting, text, type Setting } from '../setting.js';

/** Asymmetric algorithms sign with keys stored in the database; HS256 with JWT_SECRET. */
export const SIGNING_ALGORITHMS = ['ES256', 'RS256', 'EdDSA', 'HS256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/** The longest access-token lifetime Tokengate allows (ACCESS_TOKEN_TTL's maximum). */
export const MAX_ACCESS_TOKEN_TTL_SECONDS = 86400;

/** Signing keys and access tokens. */
export const tokenSettings = {
  JWT_ALG: setting({
    schema: z.enum(SIGNING_ALGORITHMS, { error: `must be one of ${SIGNING_ALGORITHMS.join(', ')}` }),
    default: 'ES256',
    description:
      'Signing algorithm: `ES256`, `RS256` or `EdDSA` with keys stored in the database, or `HS256` with the shared `JWT_SECRET`. Changing it rotates to a key of the new kind at the next start.',
  }),
  AUTH_SECRET: setting({
    schema: z.string(),
    shown: 'generated in development',
    description:
      'Encrypts the stored private keys (asymmetric algorithms) and the authenticator-app secrets: at least 32 random bytes, e.g. `openssl rand -base64 48`. Required in production (with HS256 only recommended); well-known, short or guessable values (estimated below 128 bits) are refused there. Every instance needs the same value, and it must not change (what it encrypts could not be decrypted).',
  }),
  JWT_SECRET: setting({
    schema: z.string(),
    shown: 'generated in development',
    description:
      'Only with `JWT_ALG=HS256`: the shared signing secret, under the same rules as `AUTH_SECRET`. Without `AUTH_SECRET` it also encrypts the authenticator-app secrets (a warning says so).',
  }),
  KEY_ROTATION_INTERVAL: setting({
    schema: duration(0, 3650 * 86400),
    default: '0',
    shown: '`0` (off)',
    description: 'Rotate the signing key automatically this often, e.g. `90d`. `npx tokengate keys:rotate` rotates on request.',
  }),
  JWT_ISSUER: setting({ schema: text, default: 'tokengate', description: '`iss` claim, checked on every token.' }),
  JWT_AUDIENCE: setting({ schema: text, default: 'tokengate', description: '`aud` claim, checked on every token.' }),
  ACCESS_TOKEN_TTL: setting({
    schema: duration(30, MAX_ACCESS_TOKEN_TTL_SECONDS),
    default: '15m',
    description: 'Access-token lifetime: seconds or `30s`, `15m`, `1h` (30 s to 24 h).',
  }),
} as const satisfies Record<string, Setting>;
