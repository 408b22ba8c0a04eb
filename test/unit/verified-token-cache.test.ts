import { describe, expect, it } from 'vitest';
import { createVerifiedTokenCache } from '../../src/features/tokens/verified-token-cache.js';

describe('verified-token cache', () => {
  it('is bounded: past the limit the oldest entry goes', () => {
    const cache = createVerifiedTokenCache<string>(3);
    for (const token of ['a', 'b', 'c', 'd']) cache.set(token, token.toUpperCase(), 1000);
    expect(cache.size).toBe(3);
    expect(cache.get('a', 0)).toBeUndefined();
    expect(cache.get('d', 0)).toBe('D');
  });

  it('never returns an entry past its token’s expiry', () => {
    const cache = createVerifiedTokenCache<string>(10);
    cache.set('t', 'claims', 100);
    expect(cache.get('t', 99)).toBe('claims');
    expect(cache.get('t', 100)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('with size 0 caches nothing', () => {
    const cache = createVerifiedTokenCache<string>(0);
    cache.set('t', 'claims', 100);
    expect(cache.get('t', 0)).toBeUndefined();
  });
});
