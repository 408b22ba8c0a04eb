import { z } from 'zod';
import { normalizeUsername } from '../../lib/identity.js';
import { roleName } from '../../lib/roles.js';
import { booleanField, boundedString, stringField, strictBodyObject } from '../../lib/validation.js';
import { passwordField, withPasswordPolicy } from '../passwords/password-policy.js';
import { USER_SORT_FIELDS, type UserQuery, type UserSortField } from './user-search.js';

/**
 * Usernames: 3–32 characters after NFKC normalization; letters and digits of any script, plus
 * combining marks, ".", "_" and "-"; the first character a letter or a digit. Spaces, control,
 * zero-width and bidirectional characters are therefore refused.
 */
export const USERNAME_PATTERN = /^[\p{L}\p{N}][\p{L}\p{M}\p{N}._-]*$/u;
export const USERNAME_RULE =
  'username may contain only letters, digits, ".", "_" and "-", and must start with a letter or a digit';

export const usernameField = boundedString('username', 3, 32)
  .transform(normalizeUsername)
  // Invisible code points (variation selectors, the combining grapheme joiner…) pass as marks.
  .refine((v) => !/\p{Default_Ignorable_Code_Point}/u.test(v), { error: 'username must not contain invisible characters' })
  .refine((v) => USERNAME_PATTERN.test(v), { error: USERNAME_RULE });

export const emailField = stringField('email').pipe(
  z.email({ error: 'email must be a valid email address' }).max(254, { error: 'email must be at most 254 characters' }),
);

/** Role names: a list, or one name (as a form sends a single value). */
export const roleListField = z.preprocess(
  (value) => (typeof value === 'string' ? [value] : value),
  z
    .array(z.string({ error: 'roles must be an array of role names' }), {
      error: 'roles must be an array of role names',
    })
    .max(10, { error: 'roles may name at most 10 roles' }),
);

export const emailChangeSchema = strictBodyObject({ email: emailField });

export const passwordChangeSchema = strictBodyObject({
  currentPassword: boundedString('currentPassword', 1, 1024),
  newPassword: stringField('newPassword'),
});

export const newUserSchema = strictBodyObject({
  username: usernameField,
  email: emailField,
  password: passwordField,
  roles: roleListField.optional(),
  disabled: booleanField('disabled').optional(),
}).superRefine(withPasswordPolicy);

export const userPatchSchema = strictBodyObject({
  roles: roleListField.optional(),
  disabled: booleanField('disabled').optional(),
  email: emailField.optional(),
}).refine((patch) => Object.values(patch).some((v) => v !== undefined), {
  error: 'Give at least one of roles, disabled and email.',
});

const SORTS = USER_SORT_FIELDS.flatMap((f) => [f, `-${f}`]) as [string, ...string[]];
export const MAX_PAGE_SIZE = 100;

export const userListQuerySchema = strictBodyObject({
  search: z.string({ error: 'search must be given once' }).max(100).optional(),
  role: z.string({ error: 'role must be given once' }).max(32).optional(),
  disabled: booleanField('disabled').optional(),
  page: z.coerce.number({ error: 'page must be a whole number from 1' }).int().min(1).default(1),
  size: z.coerce
    .number({ error: `size must be a whole number from 1 to ${MAX_PAGE_SIZE}` })
    .int({ error: `size must be a whole number from 1 to ${MAX_PAGE_SIZE}` })
    .min(1, { error: `size must be a whole number from 1 to ${MAX_PAGE_SIZE}` })
    .max(MAX_PAGE_SIZE, { error: `size must be a whole number from 1 to ${MAX_PAGE_SIZE}` })
    .default(20),
  sort: z.enum(SORTS, { error: `sort must be one of ${SORTS.join(', ')}` }).default('id'),
});

export function toUserQuery(input: z.output<typeof userListQuerySchema>): UserQuery {
  const descending = input.sort.startsWith('-');
  return {
    search: input.search || undefined,
    role: input.role ? roleName(input.role) : undefined,
    disabled: input.disabled,
    sort: { field: input.sort.replace(/^-/, '') as UserSortField, descending },
    offset: (input.page - 1) * input.size,
    limit: input.size,
  };
}

/** A positive integer id from the path. */
const idParam = z.coerce
  .number({ error: 'the id in the path must be a positive whole number' })
  .int({ error: 'the id in the path must be a positive whole number' })
  .positive({ error: 'the id in the path must be a positive whole number' })
  .max(2 ** 31 - 1, { error: 'the id in the path must be a positive whole number' });

export const userIdParams = z.object({ id: idParam });

/** The second factors of an account: whether they are on, never their secrets. */
export const mfaStatusView = z
  .object({
    totp: z.boolean().describe('An authenticator app is set up.'),
    recoveryCodesLeft: z.number().int().describe('Unused recovery codes.'),
    passkeys: z.number().int().describe('Registered passkeys.'),
  })
  .meta({ id: 'MfaStatus' });

/** A user as the API shows it. */
export const userView = z
  .object({
    id: z.number().int(),
    username: z.string(),
    email: z.string(),
    emailVerified: z.boolean().describe('The address was confirmed through a link sent to it.'),
    roles: z.array(z.string()).describe('Role names, e.g. user, moderator, admin.'),
    disabled: z.boolean(),
    createdAt: z.string().describe('ISO 8601 time.'),
    mfa: mfaStatusView,
  })
  .meta({ id: 'User' });
