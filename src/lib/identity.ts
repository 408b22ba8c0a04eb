/*
 * Normalization of account identifiers. Usernames are compared after NFKC normalization and
 * lower-casing (so "Ｂｏｂ", "BOB" and "bob" are one account); emails after lower-casing.
 * The database enforces uniqueness on these keys, which the application computes.
 */

/** The form a username is stored in: NFKC, case kept. */
export function normalizeUsername(username: string): string {
  return username.normalize('NFKC');
}

/** The comparison key of a username: NFKC and lower case. */
export function usernameKey(username: string): string {
  return username.normalize('NFKC').toLowerCase().normalize('NFKC');
}

/** The comparison key of an email address: lower case. */
export function emailKey(email: string): string {
  return email.toLowerCase();
}
