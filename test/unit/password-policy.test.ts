import { describe, expect, it } from 'vitest';
import { isCommonPassword, passwordProblem } from '../../src/features/passwords/password-policy.js';

const account = { username: 'alice.cooper', email: 'alice@example.com' };

describe('password policy (NIST 800-63B)', () => {
  it('knows the most common passwords of a permitted length, whatever their case', () => {
    for (const p of ['password', 'Password', '12345678', 'qwerty123', 'iloveyou']) expect(isCommonPassword(p)).toBe(true);
    expect(isCommonPassword('purple monkey dishwasher')).toBe(false);
  });

  it.each([
    ['short', 'seven77', /8 to 128 characters/],
    ['long', 'x'.repeat(129), /8 to 128 characters/],
    ['the username', 'ALICE.COOPER', /same as the username/],
    ['the email', 'Alice@Example.com', /same as the email/],
    ['common', 'baseball1', /most commonly used/],
  ])('refuses a %s password', (_name, password, message) => {
    expect(passwordProblem(password, account)).toMatch(message);
  });

  it('has no composition rules', () => {
    expect(passwordProblem('all lowercase words here', account)).toBeUndefined();
    expect(passwordProblem('ÄÖÜ-ß-日本語-パス', account)).toBeUndefined();
  });

  it('counts characters, not bytes', () => {
    expect(passwordProblem('日本語のパスワード', account)).toBeUndefined();
    expect(passwordProblem('🔑'.repeat(128), account)).toBeUndefined();
    expect(passwordProblem('🔑'.repeat(129), account)).toMatch(/8 to 128/);
  });
});
