import { createRequire } from 'node:module';
import type { z } from 'zod';
import { boundedString, codePoints } from '../../lib/validation.js';

/*
 * NIST SP 800-63B: 8 to 128 characters, no composition rules, and no password that is known to
 * be common or that repeats the account's own name or email. The list is zxcvbn-ts's offline
 * dictionary of the most common passwords (about 49,000, maintained on npm).
 */

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;

/**
 * The common passwords long enough to pass the length rule (the shorter ones are refused anyway),
 * lower-cased. The package is loaded once and dropped again: it also holds other word lists.
 */
function loadCommonPasswords(): Set<string> {
  const require = createRequire(import.meta.url);
  const id = require.resolve('@zxcvbn-ts/language-common');
  const { dictionary } = require(id) as { dictionary: Record<'passwords-common', string[]> };
  const kept = new Set(dictionary['passwords-common'].filter((p) => p.length >= PASSWORD_MIN).map((p) => p.toLowerCase()));
  delete require.cache[id];
  return kept;
}

const commonPasswords = loadCommonPasswords();

export function isCommonPassword(password: string): boolean {
  return commonPasswords.has(password.toLowerCase());
}

/** What is wrong with a new password, or undefined when it is acceptable. */
export function passwordProblem(password: string, account: { username: string; email: string }): string | undefined {
  const length = codePoints(password);
  if (length < PASSWORD_MIN || length > PASSWORD_MAX) {
    return `password must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters`;
  }
  const lower = password.toLowerCase();
  if (lower === account.username.toLowerCase()) return 'password must not be the same as the username';
  if (lower === account.email.toLowerCase()) return 'password must not be the same as the email';
  if (isCommonPassword(password)) {
    return 'password is one of the most commonly used passwords, which attackers try first; choose another';
  }
  return undefined;
}

export const passwordField = boundedString('password', PASSWORD_MIN, PASSWORD_MAX);

/** Applies the password policy to a body with username, email and password. */
export function withPasswordPolicy<T extends { username: string; email: string; password: string }>(
  account: T,
  ctx: z.RefinementCtx,
): void {
  const problem = passwordProblem(account.password, account);
  if (problem) ctx.addIssue({ code: 'custom', path: ['password'], message: problem });
}
