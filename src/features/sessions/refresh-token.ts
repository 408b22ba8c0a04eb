import { createHmac } from 'node:crypto';
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

/**
 * The token that replaces `presented` at rotation, derived from it with a server-side key, so
 * that every instance computes the same one: a refresh that races another with the same token
 * (two tabs, a retried request) gets the same successor back, and there is never a second one.
 * Only the holder of the presented token (and the server) can compute it; only its hash is stored.
 */
export function successorOf(presented: string, key: Buffer): NewRefreshToken {
  const mac = (purpose: string) => createHmac('sha256', key).update(`${purpose}:${presented}`).digest();
  const id = mac('id').subarray(0, 16).toString('base64url');
  const secret = mac('secret').toString('base64url');
  return { id, token: `${id}.${secret}`, secretHash: hashSecret(secret) };
}
