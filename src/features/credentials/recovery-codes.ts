import { randomInt } from 'node:crypto';
import { sha256Hex } from '../../lib/crypto.js';

/*
 * Recovery codes: ten single-use codes shown once, for when the authenticator app is lost.
 * Each is 16 characters of Crockford's base32 (80 random bits), shown in groups of four and
 * read back without regard to case, hyphens, spaces, or the look-alikes o/0 and i/l/1. At 80
 * bits a fast hash is safe to store: nobody can search that space, and unlike a keyed hash it
 * keeps working if the server secret is lost, which is when recovery matters most.
 */

export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const LENGTH = 16;
const GROUP = 4;
const FORMAT = new RegExp(`^[${ALPHABET}]{${LENGTH}}$`);

function newRecoveryCode(): string {
  const characters = Array.from({ length: LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]!);
  return characters.join('').replace(new RegExp(`(.{${GROUP}})(?!$)`, 'g'), '$1-');
}

export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
}

/** The code as stored, or undefined when the input cannot be a recovery code. */
export function normalizeRecoveryCode(input: string): string | undefined {
  const code = input
    .toLowerCase()
    .replace(/[\s-]/g, '')
    .replace(/o/g, '0')
    .replace(/[il]/g, '1');
  return FORMAT.test(code) ? code : undefined;
}

/** Bound to the user, so that equal codes of two users (never expected) stay apart. */
export function hashRecoveryCode(userId: number, normalized: string): string {
  return sha256Hex(`${userId}:${normalized}`);
}
