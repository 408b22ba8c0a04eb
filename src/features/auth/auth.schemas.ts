import { z } from 'zod';
import { AppError } from '../../lib/errors.js';
import { normalizeUsername } from '../../lib/identity.js';
import { passwordProblem } from '../users/password-policy.js';
import { bodyObject, boundedString, stringField } from '../../lib/validation.js';

/**
 * Usernames: 3–32 characters after NFKC normalization; letters and digits of any script, plus
 * combining marks, ".", "_" and "-"; the first character a letter or a digit. Spaces, control,
 * zero-width and bidirectional characters are therefore refused.
 */
export const USERNAME_PATTERN = /^[\p{L}\p{N}][\p{L}\p{M}\p{N}._-]*$/u;
export const USERNAME_RULE =
  'username may contain only letters, digits, ".", "_" and "-", and must start with a letter or a digit';

const username = boundedString('username', 3, 32)
  .transform(normalizeUsername)
  .refine((v) => USERNAME_PATTERN.test(v), { error: USERNAME_RULE });

const email = stringField('email').pipe(
  z.email({ error: 'email must be a valid email address' }).max(254, { error: 'email must be at most 254 characters' }),
);

const roleList = z.preprocess(
  (value) => (typeof value === 'string' ? [value] : value),
  z
    .array(z.string({ error: 'roles must be an array of role names' }), {
      error: 'roles must be an array of role names',
    })
    .max(10, { error: 'roles may name at most 10 roles' })
    .optional(),
);

export const signupSchema = bodyObject({
  username,
  email,
  password: boundedString('password', 8, 128),
  roles: roleList,
}).superRefine((account, ctx) => {
  const problem = passwordProblem(account.password, account);
  if (problem) ctx.addIssue({ code: 'custom', path: ['password'], message: problem });
});
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

const flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')], {
  error: 'all must be true or false',
});

/** Signout: everything optional; an empty body ends the session of the presented token. */
export const signoutSchema = z
  .object(
    {
      refreshToken: z.string({ error: 'refreshToken must be a string' }).max(512).nullish(),
      all: flag.optional().default(false),
    },
    { error: 'The request body must be a JSON object or a URL-encoded form.' },
  )
  .optional()
  .transform((body) => body ?? { refreshToken: undefined, all: false });
