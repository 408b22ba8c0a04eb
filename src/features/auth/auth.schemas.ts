import { z } from 'zod';
import { normalizeUsername } from '../../lib/identity.js';
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
});
export type SignupInput = z.output<typeof signupSchema>;

/** Signin accepts any existing username (tutorial-era accounts may predate the rules above). */
export const signinSchema = bodyObject({
  username: boundedString('username', 1, 255),
  password: boundedString('password', 1, 1024),
});
export type SigninInput = z.output<typeof signinSchema>;
