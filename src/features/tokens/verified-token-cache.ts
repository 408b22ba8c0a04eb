/**
 * Verified access tokens, keyed by the whole token string, so that a token presented again
 * skips the signature check. Bounded: past `maxEntries` the oldest entry goes. An entry never
 * outlives its token. Revocation is checked separately on every request, cached or not.
 */
export interface VerifiedTokenCache<T> {
  get(token: string, nowSeconds: number): T | undefined;
  set(token: string, value: T, expiresAtSeconds: number): void;
  readonly size: number;
}

export function createVerifiedTokenCache<T>(maxEntries: number): VerifiedTokenCache<T> {
  const entries = new Map<string, { value: T; expiresAt: number }>();
  return {
    get(token, nowSeconds) {
      const entry = entries.get(token);
      if (!entry) return undefined;
      if (entry.expiresAt <= nowSeconds) {
        entries.delete(token);
        return undefined;
      }
      return entry.value;
    },

    set(token, value, expiresAtSeconds) {
      if (maxEntries <= 0) return;
      entries.delete(token);
      entries.set(token, { value, expiresAt: expiresAtSeconds });
      if (entries.size > maxEntries) {
        const oldest = entries.keys().next();
        if (!oldest.done) entries.delete(oldest.value);
      }
    },

    get size() {
      return entries.size;
    },
  };
}
