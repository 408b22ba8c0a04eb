import { createHmac } from 'node:crypto';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { z } from 'zod';
import { constantTimeEqual, sha256Hex } from '../../lib/crypto.js';

/*
 * WebAuthn through @simplewebauthn/server: the relying party (RP ID, name, origins), the JSON
 * shapes browsers send (validated before the library sees them, so that garbage is a 400), and
 * the two verifications. User verification is required everywhere: a passkey is a whole signin.
 */

/** Who the browser talks to: checked on every verification (origin and rpIdHash). */
export interface RelyingParty {
  id: string;
  name: string;
  origins: readonly string[];
}

/** A ceremony's challenge: only its SHA-256 is stored. */
export type ChallengeCheck = (challenge: string) => boolean;

export function challengeMatcher(challengeHash: string): ChallengeCheck {
  return (challenge) => constantTimeEqual(Buffer.from(sha256Hex(challenge)), Buffer.from(challengeHash));
}

const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

/** A base64url field of at most `max` characters; the message names the field. */
function base64url(name: string, max: number) {
  return z
    .string({ error: (issue) => (issue.input === undefined ? `${name} is required` : `${name} must be a base64url string`) })
    .min(1, { error: `${name} must not be empty` })
    .max(max, { error: `${name} must be at most ${max} characters` })
    .regex(BASE64URL, { error: `${name} must be base64url (A-Z a-z 0-9 - _)` });
}

const KNOWN_TRANSPORTS = ['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'] as const;

const credentialFields = {
  id: base64url('response.id', 1400),
  rawId: base64url('response.rawId', 1400),
  type: z.literal('public-key', { error: 'response.type must be "public-key"' }),
  authenticatorAttachment: z.enum(['platform', 'cross-platform'], { error: 'response.authenticatorAttachment is not known' }).optional(),
  clientExtensionResults: z.record(z.string(), z.unknown(), { error: 'response.clientExtensionResults must be an object' }).default({}),
};

const responseObject = (name: string) => ({ error: `${name} must be an object` });

/** navigator.credentials.create()'s answer as JSON (PublicKeyCredential.toJSON(), or @simplewebauthn/browser). */
export const registrationResponseSchema = z
  .object(
    {
      ...credentialFields,
      response: z.object(
        {
          clientDataJSON: base64url('response.response.clientDataJSON', 4096),
          attestationObject: base64url('response.response.attestationObject', 12000),
          transports: z.array(z.string().max(32), { error: 'response.response.transports must be a list of strings' }).max(16).optional(),
        },
        responseObject('response.response'),
      ),
    },
    responseObject('response'),
  )
  .meta({ id: 'PasskeyRegistrationResponse', description: 'The browser\'s answer to the registration options, as JSON.' });

/** navigator.credentials.get()'s answer as JSON. */
export const authenticationResponseSchema = z
  .object(
    {
      ...credentialFields,
      response: z.object(
        {
          clientDataJSON: base64url('response.response.clientDataJSON', 4096),
          authenticatorData: base64url('response.response.authenticatorData', 4096),
          signature: base64url('response.response.signature', 1024),
          userHandle: base64url('response.response.userHandle', 128).nullish(),
        },
        responseObject('response.response'),
      ),
    },
    responseObject('response'),
  )
  .meta({ id: 'PasskeyAuthenticationResponse', description: 'The browser\'s answer to the authentication options, as JSON.' });

export type RegistrationResponse = z.output<typeof registrationResponseSchema>;
export type AuthenticationResponse = z.output<typeof authenticationResponseSchema>;

export function knownTransports(transports: readonly string[] | undefined): string[] {
  return (transports ?? []).filter((t) => (KNOWN_TRANSPORTS as readonly string[]).includes(t));
}

/** A credential as options list it: its id and how to reach it. */
export interface CredentialDescriptor {
  credentialId: string;
  transports: readonly string[];
}

const descriptor = ({ credentialId, transports }: CredentialDescriptor) => ({ id: credentialId, transports: knownTransports(transports) });

/** The library base64url-encodes a string challenge's UTF-8; ours is base64url already, so its bytes go in. */
const challengeBytes = (challenge: string) => new Uint8Array(Buffer.from(challenge, 'base64url'));

/** How long the browser waits for the person (the challenge itself lives 5 minutes). */
const CEREMONY_TIMEOUT_MS = 120_000;

export interface Registrant {
  username: string;
  /** Stable per account (see userHandle), so that an authenticator replaces its passkey for it. */
  handle: Uint8Array;
}

export function registrationOptions(
  rp: RelyingParty,
  user: Registrant,
  challenge: string,
  exclude: readonly CredentialDescriptor[],
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.username,
    userDisplayName: user.username,
    userID: new Uint8Array(user.handle),
    challenge: challengeBytes(challenge),
    timeout: CEREMONY_TIMEOUT_MS,
    attestationType: 'none',
    excludeCredentials: exclude.map(descriptor),
    authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
  });
}

export function authenticationOptions(
  rp: RelyingParty,
  challenge: string,
  allow: readonly CredentialDescriptor[],
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return generateAuthenticationOptions({
    rpID: rp.id,
    challenge: challengeBytes(challenge),
    timeout: CEREMONY_TIMEOUT_MS,
    userVerification: 'required',
    allowCredentials: allow.map(descriptor),
  });
}

/** A verified registration: what is stored of the new credential. */
export interface NewCredential {
  credentialId: string;
  publicKey: Uint8Array;
  counter: number;
  transports: string[];
}

export type Verified<T> = { ok: true; value: T } | { ok: false; reason: string };

function failure(error: unknown): { ok: false; reason: string } {
  return { ok: false, reason: error instanceof Error ? error.message : 'verification failed' };
}

export async function verifyRegistration(
  rp: RelyingParty,
  response: RegistrationResponse,
  challenge: ChallengeCheck,
): Promise<Verified<NewCredential>> {
  try {
    const result = await verifyRegistrationResponse({
      response: response,
      expectedChallenge: challenge,
      expectedOrigin: [...rp.origins],
      expectedRPID: rp.id,
      requireUserPresence: true,
      requireUserVerification: true,
    });
    if (!result.verified) return { ok: false, reason: 'the registration could not be verified' };
    const { credential } = result.registrationInfo;
    return {
      ok: true,
      value: {
        credentialId: credential.id,
        publicKey: credential.publicKey,
        counter: credential.counter,
        transports: knownTransports(response.response.transports),
      },
    };
  } catch (error) {
    return failure(error);
  }
}

/** A stored credential, as an assertion is checked against it. */
export interface StoredCredential extends CredentialDescriptor {
  publicKey: string;
}

/**
 * Checks the signature, the challenge, the origin, the RP ID hash and the UP and UV flags; the
 * new signature counter (the caller compares it with the stored one, after the signature is known
 * to be genuine).
 */
export async function verifyAssertion(
  rp: RelyingParty,
  response: AuthenticationResponse,
  challenge: ChallengeCheck,
  stored: StoredCredential,
): Promise<Verified<{ counter: number }>> {
  try {
    const result = await verifyAuthenticationResponse({
      response: response as AuthenticationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: [...rp.origins],
      expectedRPID: rp.id,
      // 0: the library's own counter rule is skipped here, and applied by the caller.
      credential: { id: stored.credentialId, publicKey: Buffer.from(stored.publicKey, 'base64url'), counter: 0 },
      requireUserVerification: true,
    });
    if (!result.verified) return { ok: false, reason: 'the signature could not be verified' };
    return { ok: true, value: { counter: result.authenticationInfo.newCounter } };
  } catch (error) {
    return failure(error);
  }
}

/** A signature counter must grow, unless the authenticator keeps none (both zero). */
export function counterAcceptable(stored: number, received: number): boolean {
  return (stored === 0 && received === 0) || received > stored;
}

/** The WebAuthn user handle of an account: opaque and stable, derived with a server key. */
export function userHandle(key: Buffer, userId: number): Uint8Array {
  return new Uint8Array(createHmac('sha256', key).update(`user:${userId}`).digest().subarray(0, 32));
}

/** Whether an assertion's user handle (base64url) is the account's. */
export function userHandleMatches(key: Buffer, userId: number, handle: string): boolean {
  return constantTimeEqual(Buffer.from(handle, 'base64url'), Buffer.from(userHandle(key, userId)));
}

/**
 * What the signin options list for a name with no passkey to show (unknown, disabled, or without
 * passkeys): one or two made-up credentials, derived from the normalized name with a server key,
 * so that they look like a real list and stay the same on every call.
 */
export function decoyCredentials(key: Buffer, normalizedUsername: string): CredentialDescriptor[] {
  const seed = createHmac('sha256', key).update(`decoy:${normalizedUsername}`).digest();
  const count = 1 + (seed[0]! & 1);
  return Array.from({ length: count }, (_, i) => ({
    credentialId: createHmac('sha256', key).update(`decoy:${i}:${normalizedUsername}`).digest().toString('base64url'),
    transports: ['internal', 'hybrid'],
  }));
}
