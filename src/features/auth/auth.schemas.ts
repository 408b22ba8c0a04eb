import { z } from 'zod';
import { AppError } from '../../lib/errors.js';
import { bodyObject, booleanField, boundedString } from '../../lib/validation.js';
import { authenticationResponseSchema } from '../credentials/webauthn.js';
import { passwordField, withPasswordPolicy } from '../passwords/password-policy.js';
import { emailField, roleListField, usernameField } from '../users/user.schemas.js';

export const signupSchema = bodyObject({
  username: usernameField,
  email: emailField,
  password: passwordField,
  roles: roleListField.optional(),
}).superRefine(withPasswordPolicy);
export type SignupInput = z.output<typeof signupSchema>;

/** Signin accepts any existing username (tutorial-era accounts may predate the rules above). */
export const signinSchema = bodyObject({
  username: boundedString('username', 1, 255).meta({ examples: ['alice'] }),
  password: boundedString('password', 1, 1024).meta({ examples: ['correct horse'] }),
});
export type SigninInput = z.output<typeof signinSchema>;

/**
 * The refresh token in a refresh request body. Missing, null or empty means "not given" (the
 * cookie may carry it); any other non-string is refused with 403, as every refresh failure is.
 */
export function refreshTokenIn(body: unknown): string | undefined {
  const value: unknown = body !== null && typeof body === 'object' ? (body as Record<string, unknown>).refreshToken : undefined;
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || value.length > 512) throw new AppError('REFRESH_TOKEN_MALFORMED');
  return value;
}

/** The refresh request as documented: validation is refreshTokenIn's (every failure a 403). */
export const refreshRequest = z.object({
  refreshToken: z.string().optional().describe('May be left out with cookie transport (the tg_refresh cookie is used).'),
});

/** Signout: everything optional; an empty body ends the session of the presented token. */
export const signoutSchema = z
  .object(
    {
      refreshToken: z.string({ error: 'refreshToken must be a string' }).max(512).nullish(),
      all: booleanField('all').optional().default(false),
    },
    { error: 'The request body must be a JSON object or a URL-encoded form.' },
  )
  .optional()
  .transform((body) => body ?? { refreshToken: undefined, all: false });

export const tokenPair = z
  .object({
    accessToken: z
      .string()
      .describe('JWT access token (omitted with cookie transport).')
      .meta({ examples: ['eyJhbGciOiJFUzI1NiIsImtpZCI6IjAxSkY…'] }),
    refreshToken: z
      .string()
      .describe('Opaque refresh token (omitted with cookie transport).')
      .meta({ examples: ['Qm9sZDFkZXhhbXBsZQ.c2VjcmV0LXBhcnQ…'] }),
    tokenType: z.literal('Bearer').describe('Omitted with cookie transport, as the tokens are.'),
    expiresIn: z.number().int().describe('Access-token lifetime in seconds.').meta({ examples: [900] }),
  })
  .meta({ id: 'TokenPair' });

export const signinResult = tokenPair
  .extend({
    id: z.number().int().meta({ examples: [1] }),
    username: z.string().meta({ examples: ['alice'] }),
    email: z.string().meta({ examples: ['alice@example.com'] }),
    emailVerified: z.boolean().describe('The address was confirmed through a link sent to it.'),
    roles: z
      .array(z.string())
      .describe('Authorities, e.g. ROLE_USER, ROLE_ADMIN.')
      .meta({ examples: [['ROLE_USER', 'ROLE_MODERATOR']] }),
  })
  .meta({ id: 'SigninResult' });

const challengeIdField = boundedString('challengeId', 1, 64).describe('The challengeId that came with the options.');

/**
 * The second step of a signin: the mfaToken of the first answer and a code, or a passkey's
 * answer (`challengeId` and `response`) to the options of POST /api/auth/passkey/options {mfaToken}.
 */
export const mfaVerifySchema = bodyObject({
  mfaToken: boundedString('mfaToken', 1, 128),
  code: boundedString('code', 1, 64).optional().describe('A code of the authenticator app, or a recovery code.'),
  challengeId: challengeIdField.optional(),
  response: authenticationResponseSchema.optional(),
}).superRefine((body, ctx) => {
  const passkey = body.challengeId !== undefined || body.response !== undefined;
  if (body.code !== undefined && passkey) {
    ctx.addIssue({ code: 'custom', path: ['code'], message: 'Send either code, or challengeId and response (a passkey), not both' });
  } else if (!passkey && body.code === undefined) {
    ctx.addIssue({ code: 'custom', path: ['code'], message: 'code is required (or challengeId and response, for a passkey)' });
  } else if (passkey && body.challengeId === undefined) {
    ctx.addIssue({ code: 'custom', path: ['challengeId'], message: 'challengeId is required with a passkey response' });
  } else if (passkey && body.response === undefined) {
    ctx.addIssue({ code: 'custom', path: ['response'], message: 'response is required with a challengeId' });
  }
});
export type MfaVerifyInput = z.output<typeof mfaVerifySchema>;

/** Options for a passkey signin: for anyone (discoverable), a named user, or the second step of an mfaToken. */
export const passkeyOptionsSchema = z
  .object(
    {
      username: boundedString('username', 1, 255).optional().describe('Lists that user\'s passkeys (an unknown user gets none, like a user without passkeys).'),
      mfaToken: boundedString('mfaToken', 1, 128).optional().describe('For the second step of a password signin: that user\'s passkeys.'),
    },
    { error: 'The request body must be a JSON object or a URL-encoded form with the optional fields username, mfaToken.' },
  )
  .optional()
  .transform((body) => body ?? {})
  .superRefine((body, ctx) => {
    if (body.username !== undefined && body.mfaToken !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['mfaToken'], message: 'Send username or mfaToken, not both' });
    }
  });
export type PasskeyOptionsInput = z.output<typeof passkeyOptionsSchema>;

export const passkeySigninSchema = bodyObject({ challengeId: challengeIdField, response: authenticationResponseSchema });
export type PasskeySigninInput = z.output<typeof passkeySigninSchema>;

export const passkeyAuthenticationOptions = z
  .object({
    options: z.looseObject({}).describe('PublicKeyCredentialRequestOptionsJSON: pass to navigator.credentials.get() (e.g. with @simplewebauthn/browser).'),
    challengeId: z.string().describe('Send it back with the answer; it works once, for 5 minutes.'),
  })
  .meta({ id: 'PasskeyAuthenticationOptions' });

export const mfaChallengeResult = z
  .object({
    mfaRequired: z.literal(true),
    mfaToken: z.string().describe('Send it with a code to POST /api/auth/mfa/verify within 5 minutes; it works once.'),
    methods: z.array(z.enum(['totp', 'recovery_code', 'passkey'])).describe('The second factors the account accepts.'),
    message: z.string(),
  })
  .meta({ id: 'MfaChallenge' });

/** Signin answers tokens, or (for an account with a second factor) an mfaToken and no tokens. */
export const signinAnswer = z.union([signinResult, mfaChallengeResult]);
