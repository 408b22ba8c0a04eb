import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { randomToken } from '../lib/crypto.js';

/*
 * The server secrets (AUTH_SECRET, JWT_SECRET with HS256). An HS256 token lets anyone test
 * guesses of the secret offline, and AUTH_SECRET seals the private keys: only a secret that
 * resists guessing helps. Strength is estimated with zxcvbn-ts (patterns, repeats, sequences,
 * dictionary words), which the project already ships for passwords.
 */

const MIN_SECRET_BYTES = 32;
/** zxcvbn's estimate of the guesses needed, as bits: below this a secret is guessable. */
export const MIN_SECRET_BITS = 128;
const knownWeakSecrets = new Set(['bezkoder-secret-key', 'secret', 'changeme', 'change-me', 'jwt-secret', 'your-secret']);
export const SECRET_ADVICE = 'use at least 32 random bytes, e.g. the output of `openssl rand -base64 48`';

/** Bits of strength zxcvbn estimates for `secret` (log2 of the guesses an attacker needs). */
export function estimatedBits(secret: string): number {
  // Loaded for the check and dropped again: the dictionaries are only needed at start.
  const require = createRequire(import.meta.url);
  const common = require('@zxcvbn-ts/language-common') as { dictionary: Record<string, string[]>; adjacencyGraphs: object };
  const zxcvbn = new ZxcvbnFactory({ dictionary: { ...common.dictionary }, graphs: common.adjacencyGraphs as never });
  return zxcvbn.check(secret).guessesLog10 * Math.log2(10);
}

/** Estimates already made in this process (tests load the configuration many times). */
const estimates = new Map<string, number>();

/** Why a secret is weak, or undefined when it is acceptable. */
export function secretWeakness(secret: string): string | undefined {
  if (knownWeakSecrets.has(secret.toLowerCase())) return 'is a well-known example value';
  if (Buffer.byteLength(secret) < MIN_SECRET_BYTES) return `is shorter than ${MIN_SECRET_BYTES} bytes`;
  const bits = estimates.get(secret) ?? estimatedBits(secret);
  estimates.set(secret, bits);
  if (bits < MIN_SECRET_BITS) {
    return `is guessable: repeated patterns, sequences or dictionary words give it about ${Math.round(bits)} bits of strength, and at least ${MIN_SECRET_BITS} are needed`;
  }
  return undefined;
}

/** Reads a development secret kept under the data folder, creating it on first use. */
export function developmentSecret(dataDir: string, fileName: string): string {
  const file = path.join(dataDir, fileName);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomToken(48);
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
