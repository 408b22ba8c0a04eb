import unhomoglyph from 'unhomoglyph';
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

/**
 * The confusable skeleton of a username (Unicode TS #39, with the confusables data of the
 * `unhomoglyph` package): names that look alike — `admin`, `аdmin` with a Cyrillic а, `adrnin` —
 * share one. Compared at signup so that a look-alike of an existing name counts as taken;
 * never shown (it mixes scripts by design).
 */
export function usernameSkeleton(username: string): string {
  const key = usernameKey(username).replace(/\p{Default_Ignorable_Code_Point}/gu, '');
  return unhomoglyph(key.normalize('NFD')).normalize('NFD').toLowerCase();
}
