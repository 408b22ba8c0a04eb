import { describe, expect, it } from 'vitest';
import { satisfiesRole, authorities } from '../../src/lib/roles.js';
import { emailKey, usernameKey } from '../../src/lib/identity.js';
import { parseDuration } from '../../src/lib/duration.js';

describe('usernameKey', () => {
  it('folds case and compatibility forms', () => {
    expect(usernameKey('Alice')).toBe('alice');
    expect(usernameKey('ＡＬＩＣＥ')).toBe('alice');
    expect(usernameKey('ﬁnn')).toBe('finn');
    expect(usernameKey('Zoë')).toBe(usernameKey('Zoe\u0308'));
  });

  it('keeps different names apart', () => {
    expect(usernameKey('alice')).not.toBe(usernameKey('alicia'));
  });
});

describe('emailKey', () => {
  it('lower-cases', () => {
    expect(emailKey('Alice@Example.COM')).toBe('alice@example.com');
  });
});

describe('role hierarchy', () => {
  it('admin contains moderator contains user', () => {
    expect(satisfiesRole(['admin'], 'moderator')).toBe(true);
    expect(satisfiesRole(['admin'], 'user')).toBe(true);
    expect(satisfiesRole(['moderator'], 'user')).toBe(true);
    expect(satisfiesRole(['moderator'], 'admin')).toBe(false);
    expect(satisfiesRole(['user'], 'moderator')).toBe(false);
    expect(satisfiesRole([], 'user')).toBe(false);
  });

  it("names authorities the tutorial's way", () => {
    expect(authorities(['user', 'moderator'])).toEqual(['ROLE_USER', 'ROLE_MODERATOR']);
  });
});

describe('parseDuration', () => {
  it.each([
    ['900', 900],
    ['900s', 900],
    ['15m', 900],
    ['12h', 43_200],
    ['7d', 604_800],
  ])('%s → %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['', 'forever', '-5m', '1.5h', '10w'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});
