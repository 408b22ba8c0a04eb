import { UniqueConstraintError, type Transaction } from 'sequelize';
import type { Database } from '../../db/database.js';
import { epochSeconds, type Clock } from '../../lib/clock.js';
import { AppError } from '../../lib/errors.js';
import { hashRecoveryCode, newRecoveryCodes, normalizeRecoveryCode } from './recovery-codes.js';
import type { Passkeys } from './passkeys.js';
import type { SecondFactorRepository } from './second-factor.repository.js';
import { matchingStep, newTotpSecret, normalizeTotpCode, totpUrl, type TotpVault } from './totp.js';

/** The second-factor part of an account, as GET /api/users/me and the admin views show it. */
export interface MfaStatus {
  /** An authenticator app is set up and confirmed. */
  totp: boolean;
  recoveryCodesLeft: number;
  /** Registered passkeys. */
  passkeys: number;
}

/** How a signin can be completed, as the signin answer lists them. */
export type SecondFactorMethod = 'totp' | 'recovery_code' | 'passkey';

/** Setting second factors up and taking them away; proving them is the credential's part. */
export interface SecondFactors {
  status(userId: number): Promise<MfaStatus>;
  statuses(userIds: readonly number[]): Promise<Map<number, MfaStatus>>;
  /** The ways the account completes a signin; empty when it has no second factor. */
  methods(userId: number): Promise<SecondFactorMethod[]>;
  /** A new pending authenticator secret (base32) and its otpauth:// URL, replacing a pending one; 409 when one is on. */
  beginTotp(account: { id: number; username: string }): Promise<{ secret: string; otpauthUrl: string }>;
  /** Turns the pending authenticator on with its first code; returns the first recovery codes. */
  confirmTotp(userId: number, code: string): Promise<string[]>;
  /** A new set of recovery codes; the old set stops working. */
  replaceRecoveryCodes(userId: number): Promise<string[]>;
  /** Removes the authenticator and the recovery codes (the passkeys stay). */
  removeTotp(userId: number): Promise<boolean>;
  /** Removes the authenticator, the recovery codes and the passkeys, inside `trx` when given; false when there were none. */
  removeAll(userId: number, trx?: Transaction): Promise<boolean>;
}

export interface SecondFactorsDeps {
  db: Pick<Database, 'transaction'>;
  factors: SecondFactorRepository;
  passkeys: Pick<Passkeys, 'counts' | 'removeAll'>;
  vault: TotpVault;
  clock: Clock;
  /** The name authenticator apps show above the account's codes. */
  issuer: string;
}

const NO_FACTORS: MfaStatus = Object.freeze({ totp: false, recoveryCodesLeft: 0, passkeys: 0 });

export function createSecondFactors({ db, factors, passkeys, vault, clock, issuer }: SecondFactorsDeps): SecondFactors {
  const now = () => new Date(clock.now());

  async function storeRecoveryCodes(userId: number, trx: Transaction): Promise<string[]> {
    const codes = newRecoveryCodes();
    const hashes = codes.map((code) => hashRecoveryCode(userId, normalizeRecoveryCode(code)!));
    await factors.replaceRecoveryCodes(userId, hashes, now(), trx);
    return codes;
  }

  async function savePending(userId: number, sealed: string): Promise<boolean> {
    try {
      return await db.transaction((trx) => factors.savePendingTotp(userId, sealed, now(), trx));
    } catch (error) {
      // Two first setups at once: the other one inserted the row; replace its secret instead.
      if (!(error instanceof UniqueConstraintError)) throw error;
      return db.transaction((trx) => factors.savePendingTotp(userId, sealed, now(), trx));
    }
  }

  const service: SecondFactors = {
    async status(userId) {
      return (await service.statuses([userId])).get(userId) ?? NO_FACTORS;
    },

    async statuses(userIds) {
      const [counts, keys] = await Promise.all([factors.counts(userIds), passkeys.counts(userIds)]);
      return new Map(userIds.map((id) => [id, { ...NO_FACTORS, ...counts.get(id), passkeys: keys.get(id) ?? 0 }]));
    },

    async methods(userId) {
      const { totp, recoveryCodesLeft, passkeys: keys } = await service.status(userId);
      const methods: SecondFactorMethod[] = [];
      if (totp) methods.push(...(recoveryCodesLeft > 0 ? (['totp', 'recovery_code'] as const) : (['totp'] as const)));
      if (keys > 0) methods.push('passkey');
      return methods;
    },

    async beginTotp({ id, username }) {
      const secret = newTotpSecret();
      if (!(await savePending(id, vault.seal(id, secret)))) throw new AppError('MFA_ALREADY_ENABLED');
      return { secret, otpauthUrl: totpUrl({ issuer, account: username, secret }) };
    },

    async confirmTotp(userId, input) {
      const pending = await factors.findTotp(userId);
      if (!pending) throw new AppError('MFA_SETUP_NOT_STARTED');
      if (pending.confirmed) throw new AppError('MFA_ALREADY_ENABLED');
      const code = normalizeTotpCode(input);
      const step = code === undefined ? undefined : matchingStep(vault.open(userId, pending.sealedSecret), code, epochSeconds(clock), null);
      if (step === undefined) throw new AppError('MFA_CODE_INVALID');
      return db.transaction(async (trx) => {
        // The confirming code counts as used: it cannot sign in a second time.
        if (!(await factors.confirmTotp(userId, pending.sealedSecret, step, now(), trx))) {
          throw new AppError('MFA_SETUP_NOT_STARTED', 'The setup was replaced or finished meanwhile: start again.');
        }
        return storeRecoveryCodes(userId, trx);
      });
    },

    async replaceRecoveryCodes(userId) {
      return db.transaction(async (trx) => {
        const factor = await factors.findTotp(userId, trx);
        if (!factor?.confirmed) throw new AppError('MFA_NOT_ENABLED');
        return storeRecoveryCodes(userId, trx);
      });
    },

    removeTotp(userId) {
      return db.transaction((trx) => factors.removeAll(userId, trx));
    },

    removeAll(userId, trx) {
      const remove = async (t: Transaction) => {
        const factorsRemoved = await factors.removeAll(userId, t);
        return (await passkeys.removeAll(userId, t)) > 0 || factorsRemoved;
      };
      return trx ? remove(trx) : db.transaction(remove);
    },
  };
  return service;
}
