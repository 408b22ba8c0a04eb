import { randomToken, sha256Hex } from '../../lib/crypto.js';

/*
 * Refresh tokens are opaque `<id>.<secret>` strings: a 128-bit row id to find the token, and a
 * 256-bit secret of which only the SHA-256 hash is stored. A fast hash is enough: the secret is
 * random, not a password.
 */

export interface NewRefreshToken {
  id: string;
  token: string;
  secretHash: string;
}

export interface ParsedRefreshToken {
  id: string;
  secret: string;
}

const FORMAT = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

/** Random identifiers for sessions and token rows (128 bits, 22 characters). */
export function newId(): string {
  return randomToken(16);
}

export function hashSecret(secret: string): string {
  return sha256Hex(secret);
}

export function generateRefreshToken(): NewRefreshToken {
  const id = newId();
  const secret = randomToken(32);
  return { id, token: `${id}.${secret}`, secretHash: hashSecret(secret) };
}

export function parseRefreshToken(token: string): ParsedRefreshToken | undefined {
  const match = FORMAT.exec(token);
  return match ? { id: match[1]!, secret: match[2]! } : undefined;
}
