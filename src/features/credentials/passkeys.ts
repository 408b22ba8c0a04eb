import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { UniqueConstraintError, type Transaction } from 'sequelize';
import type { Clock } from '../../lib/clock.js';
import { randomToken, sha256Hex } from '../../lib/crypto.js';
import { AppError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { PasskeyRecord, PasskeyRepository } from './passkey.repository.js';
import type { WebauthnChallenges } from './webauthn-challenges.js';
import { challengeMatcher, registrationOptions, userHandle, verifyRegistration, type RegistrationResponse, type RelyingParty } from './webauthn.js';

/** A passkey as the API shows it: never its key or its WebAuthn credential id. */
export interface PasskeyView {
  /** Opaque and random; not the WebAuthn credential id. */
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export interface RegistrationStart {
  options: PublicKeyCredentialCreationOptionsJSON;
  challengeId: string;
}

export interface PasskeyAccount {
  id: number;
  username: string;
}

/** Registering, listing, renaming and removing the passkeys of an account. */
export interface Passkeys {
  registrationOptions(account: PasskeyAccount): Promise<RegistrationStart>;
  /**
   * 400 PASSKEY_INVALID for a bad, used or expired challenge or a failed verification (the detail
   * is logged, not answered); 409 PASSKEY_ALREADY_REGISTERED when the credential is registered
   * already, PASSKEY_LIMIT_REACHED when the account has MAX_PASSKEYS.
   */
  register(account: PasskeyAccount, input: { challengeId: string; response: RegistrationResponse; name?: string | undefined }): Promise<PasskeyView>;
  list(userId: number): Promise<PasskeyView[]>;
  /** 404 PASSKEY_NOT_FOUND for another user's or an unknown id. */
  rename(userId: number, id: string, name: string): Promise<PasskeyView>;
  remove(userId: number, id: string): Promise<PasskeyView>;
  counts(userIds: readonly number[]): Promise<Map<number, number>>;
  removeAll(userId: number, trx: Transaction): Promise<number>;
}

export interface PasskeysDeps {
  passkeys: PasskeyRepository;
  challenges: WebauthnChallenges;
  rp: RelyingParty;
  /** Derives the WebAuthn user handles. */
  handleKey: Buffer;
  logger: Logger;
  clock: Clock;
}

/** Passkeys an account may have: each is listed in every signin's options. */
export const MAX_PASSKEYS = 20;

export function toPasskeyView({ id, name, createdAt, lastUsedAt }: PasskeyRecord): PasskeyView {
  return { id, name, createdAt, lastUsedAt };
}

const invalid = (reason: string) =>
  new AppError(
    'PASSKEY_INVALID',
    `The passkey could not be registered: ${reason}. Start again with POST /api/users/me/passkeys/options.`,
  );

/** The library's message names the configured origins and echoes the client's data: it goes to the log only. */
const UNVERIFIED = 'the answer could not be verified (origin, RP ID, challenge, user verification or its format)';

/** "Passkey 2026-12-01": the person can rename it. */
function defaultName(now: number): string {
  return `Passkey ${new Date(now).toISOString().slice(0, 10)}`;
}

export function createPasskeys({ passkeys, challenges, rp, handleKey, logger, clock }: PasskeysDeps): Passkeys {
  async function owned(userId: number, id: string): Promise<PasskeyRecord> {
    const passkey = await passkeys.findOf(userId, id);
    if (!passkey) throw new AppError('PASSKEY_NOT_FOUND');
    return passkey;
  }

  return {
    async registrationOptions(account) {
      // Full already: say so before the browser's prompt, not after it.
      const exclude = await passkeys.listOf(account.id);
      if (exclude.length >= MAX_PASSKEYS) throw new AppError('PASSKEY_LIMIT_REACHED');
      const { challengeId, challenge } = await challenges.issue('register', { userId: account.id });
      const options = await registrationOptions(rp, { username: account.username, handle: userHandle(handleKey, account.id) }, challenge, exclude);
      return { options, challengeId };
    },

    async register(account, { challengeId, response, name }) {
      const challenge = await challenges.take(challengeId, 'register');
      if (!challenge || challenge.userId !== account.id) throw invalid('the challenge is unknown, expired or already used');
      if ((await passkeys.listOf(account.id)).length >= MAX_PASSKEYS) throw new AppError('PASSKEY_LIMIT_REACHED');
      const verified = await verifyRegistration(rp, response, challengeMatcher(challenge.challengeHash));
      if (!verified.ok) {
        logger.info({ userId: account.id, reason: verified.reason }, 'passkey registration refused');
        throw invalid(UNVERIFIED);
      }
      const { credentialId, publicKey, counter, transports } = verified.value;
      const now = clock.now();
      const record: PasskeyRecord = {
        id: randomToken(16),
        userId: account.id,
        credentialId,
        publicKey: Buffer.from(publicKey).toString('base64url'),
        counter,
        transports,
        name: name ?? defaultName(now),
        createdAt: new Date(now),
        lastUsedAt: null,
      };
      try {
        await passkeys.create({ ...record, credentialHash: sha256Hex(credentialId) });
      } catch (error) {
        if (error instanceof UniqueConstraintError) throw new AppError('PASSKEY_ALREADY_REGISTERED');
        throw error;
      }
      return toPasskeyView(record);
    },

    async list(userId) {
      return (await passkeys.listOf(userId)).map(toPasskeyView);
    },

    async rename(userId, id, name) {
      const passkey = await owned(userId, id);
      // The same name changes no row, which MySQL reports as 0 rows: nothing to do then.
      if (name !== passkey.name && !(await passkeys.rename(userId, id, name))) throw new AppError('PASSKEY_NOT_FOUND');
      return toPasskeyView({ ...passkey, name });
    },

    async remove(userId, id) {
      const passkey = await owned(userId, id);
      if (!(await passkeys.remove(userId, id))) throw new AppError('PASSKEY_NOT_FOUND');
      return toPasskeyView(passkey);
    },

    counts: (userIds) => passkeys.counts(userIds),
    removeAll: (userId, trx) => passkeys.removeAll(userId, trx),
  };
}
