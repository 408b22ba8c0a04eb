import bcrypt from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { createPasswordHasher, OWASP_ARGON2 } from '../../src/features/passwords/password-hasher.js';

const hasher = createPasswordHasher();

describe('password hasher', () => {
  it("hashes with argon2id at OWASP's parameters by default", async () => {
    expect(OWASP_ARGON2).toEqual({ memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    const hash = await hasher.hash('correct horse');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await hasher.verify(hash, 'correct horse')).toBe(true);
    expect(await hasher.verify(hash, 'correct horsf')).toBe(false);
    expect(hasher.needsRehash(hash)).toBe(false);
  });

  it('verifies hashes whose parameters another library wrote in another order (m, p, t)', async () => {
    const hash = (await hasher.hash('correct horse')).replace('m=19456,t=2,p=1', 'm=19456,p=1,t=2');
    expect(await hasher.verify(hash, 'correct horse')).toBe(true);
    expect(await hasher.verify(hash, 'correct horsf')).toBe(false);
  });

  it('reads the parameters in any order (other libraries write m, p, t)', () => {
    const salt = 'c29tZXNhbHRzb21lc2FsdA';
    const digest = 'ZGlnZXN0ZGlnZXN0ZGlnZXN0ZGlnZXN0ZGlnZXN0ZGk';
    expect(hasher.needsRehash(`$argon2id$v=19$m=19456,p=1,t=2$${salt}$${digest}`)).toBe(false);
    expect(hasher.needsRehash(`$argon2id$v=19$m=19456,t=3,p=1$${salt}$${digest}`)).toBe(true);
    expect(hasher.needsRehash(`$argon2i$v=19$m=19456,t=2,p=1$${salt}$${digest}`)).toBe(true);
  });

  it('asks for a re-hash of weaker argon2 parameters', async () => {
    const weak = await createPasswordHasher({ memoryCost: 256, timeCost: 1, parallelism: 1 }).hash('pw');
    expect(hasher.needsRehash(weak)).toBe(true);
  });

  it.each(['2a', '2b', '2y'])('verifies tutorial bcrypt hashes ($%s$) and asks for a re-hash', async (variant) => {
    const hash = bcrypt.hashSync('123456', 8).replace(/^\$2[aby]\$/, `$${variant}$`);
    expect(await hasher.verify(hash, '123456')).toBe(true);
    expect(await hasher.verify(hash, '1234567')).toBe(false);
    expect(hasher.needsRehash(hash)).toBe(true);
  });

  it('refuses missing and unknown hashes without throwing', async () => {
    expect(await hasher.verify(null, 'x')).toBe(false);
    expect(await hasher.verify('plaintext-password', 'plaintext-password')).toBe(false);
    expect(await hasher.verify('$argon2id$garbage', 'x')).toBe(false);
  });
});
