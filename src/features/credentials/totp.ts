import { generateSecret, generateURI, verifySync } from 'otplib';
import { deriveKey, seal, unseal } from '../../lib/crypto.js';

/*
 * RFC 6238 as authenticator apps do it by default: HMAC-SHA-1, 6 digits, 30-second steps, so
 * that an otpauth:// URL with only the secret and the issuer sets every app up the same way.
 * otplib computes and compares the codes; which steps are still acceptable (replay) is decided
 * by the caller, from the last step it accepted.
 */

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** The codes of the step before and the step after the current one are accepted too (drift, typing). */
const WINDOW_STEPS = 1;
/** 160 bits, the HMAC-SHA-1 key length RFC 4226 recommends. */
const SECRET_BYTES = 20;

const CODE_FORMAT = /^\d{6}$/;

/** A code as typed: apps show "123 456", people paste "123-456". */
export function normalizeTotpCode(input: string): string | undefined {
  const code = input.replace(/[\s-]/g, '');
  return CODE_FORMAT.test(code) ? code : undefined;
}

/** A new random secret, base32 as the apps expect it. */
export function newTotpSecret(): string {
  return generateSecret({ length: SECRET_BYTES });
}

/** The otpauth:// URL an app scans: "Issuer:account" as its label. */
export function totpUrl({ issuer, account, secret }: { issuer: string; account: string; secret: string }): string {
  // A colon separates the issuer from the account in the label; tutorial-era names may hold one.
  return generateURI({ issuer, label: account.replaceAll(':', '_'), secret });
}

export function timeStep(epochSeconds: number): number {
  return Math.floor(epochSeconds / TOTP_PERIOD_SECONDS);
}

/**
 * The time step whose code `code` is, among the steps around `epochSeconds` (±1) that are later
 * than `after`; undefined when it is none of them.
 */
export function matchingStep(secret: string, code: string, epochSeconds: number, after: number | null): number | undefined {
  // otplib refuses an `afterTimeStep` beyond the window: then no step of the window is later anyway.
  if (after !== null && after >= timeStep(epochSeconds) + WINDOW_STEPS) return undefined;
  const result = verifySync({
    secret,
    token: code,
    epoch: epochSeconds,
    period: TOTP_PERIOD_SECONDS,
    digits: TOTP_DIGITS,
    algorithm: 'sha1',
    epochTolerance: WINDOW_STEPS * TOTP_PERIOD_SECONDS,
    ...(after === null ? {} : { afterTimeStep: after }),
  });
  // otplib's result type covers HOTP too; a TOTP match carries its time step.
  return result.valid && 'timeStep' in result ? result.timeStep : undefined;
}

/** Seals authenticator secrets at rest: AES-256-GCM, bound to the user, under a key derived from the server secret. */
export interface TotpVault {
  seal(userId: number, secret: string): string;
  /** Throws when the server secret changed or the stored text was altered. */
  open(userId: number, sealed: string): string;
}

export function createTotpVault(serverSecret: string): TotpVault {
  const key = deriveKey(serverSecret, 'totp-secret-encryption');
  const context = (userId: number) => `totp:${userId}`;
  return {
    seal: (userId, secret) => seal(Buffer.from(secret, 'utf8'), key, context(userId)),
    open: (userId, sealed) => unseal(sealed, key, context(userId)).toString('utf8'),
  };
}
