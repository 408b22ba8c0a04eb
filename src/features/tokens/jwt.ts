import { createHmac, sign, verify, type KeyObject } from 'node:crypto';
import { constantTimeEqual } from '../../lib/crypto.js';

/*
 * Synchronous JWS/JWT signing and verification with node:crypto. Both run on the main thread in
 * microseconds; WebCrypto (and therefore jose) would send each one to libuv's thread pool and
 * back, which costs more than the signature itself (bench/jwt-algorithms.ts). Tests check the
 * tokens with jose, as other services would. Rules from RFC 8725: a pinned algorithm list, an explicit key per algorithm (never one named
 * by the token), the type, issuer and audience checked, `crit` refused.
 */

export type TokenRejection = 'expired' | 'invalid';

export class TokenRejectedError extends Error {
  constructor(
    readonly reason: TokenRejection,
    detail: string,
  ) {
    super(detail);
    this.name = 'TokenRejectedError';
  }
}

export interface JoseHeader {
  alg: string;
  typ?: string;
  kid?: string;
  [member: string]: unknown;
}

type SignatureCheck = (signingInput: string, signature: Buffer, key: KeyObject) => boolean;

/** node:crypto refuses malformed signatures by throwing; that is a refusal like any other. */
function safely(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}

const signatureChecks: Record<string, SignatureCheck> = {
  HS256: (input, signature, key) =>
    key.type === 'secret' && constantTimeEqual(createHmac('sha256', key).update(input).digest(), signature),
  // ECDSA in JOSE is the raw r||s form (64 bytes for P-256), not DER.
  ES256: (input, signature, key) =>
    key.asymmetricKeyType === 'ec' &&
    signature.length === 64 &&
    safely(() => verify('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }, signature)),
  RS256: (input, signature, key) =>
    key.asymmetricKeyType === 'rsa' && safely(() => verify('sha256', Buffer.from(input), key, signature)),
  EdDSA: (input, signature, key) =>
    key.asymmetricKeyType === 'ed25519' && safely(() => verify(null, Buffer.from(input), key, signature)),
};

type Signer = (signingInput: string, key: KeyObject) => Buffer;

const signers: Record<string, Signer> = {
  HS256: (input, key) => createHmac('sha256', key).update(input).digest(),
  ES256: (input, key) => sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }),
  RS256: (input, key) => sign('sha256', Buffer.from(input), key),
  EdDSA: (input, key) => sign(null, Buffer.from(input), key),
};

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A compact JWS of `payload` under `header` (whose `alg` picks the signature). */
export function signJwt(header: JoseHeader, payload: Record<string, unknown>, key: KeyObject): string {
  const signer = signers[header.alg];
  if (!signer) throw new Error(`cannot sign with alg ${header.alg}`);
  const input = `${base64url(header)}.${base64url(payload)}`;
  return `${input}.${signer(input, key).toString('base64url')}`;
}

export interface VerifyOptions {
  /** Accepted `alg` values; anything else (including `none`) is refused. */
  algorithms: readonly string[];
  /** The key for this header, chosen by the verifier; undefined refuses the token. */
  keyFor: (header: JoseHeader) => KeyObject | undefined;
  /** Required `typ`, compared case-insensitively, with or without `application/`. */
  type: string;
  issuer: string;
  audience: string;
  /** Current time in seconds. */
  now: number;
  /** Tolerated clock skew for `nbf` and `iat`, in seconds. */
  leeway: number;
  /** Accept a token past its `exp` (everything else is still checked). */
  ignoreExpiry?: boolean;
}

export const MAX_TOKEN_LENGTH = 8192;
const SEGMENT = /^[A-Za-z0-9_-]+$/;

function invalid(detail: string): never {
  throw new TokenRejectedError('invalid', detail);
}

function decodeObject(segment: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    invalid(`${what} is not base64url-encoded JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) invalid(`${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

function normalizeType(type: string): string {
  return type.toLowerCase().replace(/^application\//, '');
}

function checkHeader(header: Record<string, unknown>, options: VerifyOptions): JoseHeader {
  const { alg, typ } = header;
  if (typeof alg !== 'string' || !options.algorithms.includes(alg) || !(alg in signatureChecks)) {
    invalid(`algorithm ${JSON.stringify(alg)} is not accepted`);
  }
  if (typeof typ !== 'string' || normalizeType(typ) !== normalizeType(options.type)) invalid('wrong token type');
  if ('crit' in header) invalid('critical header parameters are not supported');
  if ('kid' in header && typeof header.kid !== 'string') invalid('kid must be a string');
  return header as JoseHeader;
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function checkClaims(claims: Record<string, unknown>, options: VerifyOptions): void {
  const { iss, aud, exp, nbf, iat } = claims;
  if (iss !== options.issuer) invalid('wrong issuer');
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (!audiences.includes(options.audience)) invalid('wrong audience');
  if (!isNumericDate(exp)) invalid('missing expiry');
  if (!isNumericDate(iat)) invalid('missing issue time');
  if (iat > options.now + options.leeway) invalid('issued in the future');
  if (nbf !== undefined && (!isNumericDate(nbf) || nbf > options.now + options.leeway)) invalid('not yet valid');
  if (options.now >= exp && !options.ignoreExpiry) throw new TokenRejectedError('expired', 'expired');
}

/** Verifies a compact JWS and its registered claims; returns the payload or throws TokenRejectedError. */
export function verifyJwt(token: string, options: VerifyOptions): { header: JoseHeader; claims: Record<string, unknown> } {
  if (token.length > MAX_TOKEN_LENGTH) invalid('token too long');
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p))) invalid('not a compact JWS');
  const [encodedHeader = '', encodedPayload = '', encodedSignature = ''] = parts;
  const header = checkHeader(decodeObject(encodedHeader, 'header'), options);
  const key = options.keyFor(header);
  if (!key) invalid('no key for this token');
  const check = signatureChecks[header.alg];
  const signature = Buffer.from(encodedSignature, 'base64url');
  if (!check || !check(`${encodedHeader}.${encodedPayload}`, signature, key)) invalid('bad signature');
  const claims = decodeObject(encodedPayload, 'payload');
  checkClaims(claims, options);
  return { header, claims };
}
