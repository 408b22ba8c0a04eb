import { z } from 'zod';
import { AppError } from '../../lib/errors.js';
import { bodyObject, booleanField, boundedString } from '../../lib/validation.js';
import { emailField, passwordField, roleListField, usernameField, withPasswordPolicy } from '../users/user.schemas.js';

export const signupSchema = bodyObject({
  username: usernameField,
  email: emailField,
  password: passwordField,
  roles: roleListField.optional(),
}).superRefine(withPasswordPolicy);
export type SignupInput = z.output<typeof signupSchema>;

/** Signin accepts any existing username (tutorial-era accounts may predate the rules above). */
export const signinSchema = bodyObject({
  username: boundedString('username', 1, 255),
  password: boundedString('password', 1, 1024),
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
