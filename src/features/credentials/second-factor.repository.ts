import { Op, type Transaction, type FindAttributeOptions } from 'sequelize';
import type { Database } from '../../db/database.js';

export interface TotpFactorRecord {
  userId: number;
  sealedSecret: string;
  /** False while the setup waits for its first code. */
  confirmed: boolean;
  /** The last accepted time step; null before the first. */
  lastStep: number | null;
}

export interface SecondFactorCounts {
  totp: boolean;
  recoveryCodesLeft: number;
}

/** The tables of second factors: `totp_factors` and `recovery_codes`. */
export interface SecondFactorRepository {
  findTotp(userId: number, trx?: Transaction): Promise<TotpFactorRecord | null>;
  /** Stores a pending secret in place of any pending one; false when a confirmed factor exists. */
  savePendingTotp(userId: number, sealedSecret: string, now: Date, trx: Transaction): Promise<boolean>;
  /**
   * Turns the pending factor with exactly this sealed secret on, with `step` as its last accepted
   * step; false when it is no longer pending or was replaced meanwhile.
   */
  confirmTotp(userId: number, sealedSecret: string, step: number, now: Date, trx: Transaction): Promise<boolean>;
  /**
   * Records `step` as the last accepted one, only if it is later than the recorded one: of two
   * concurrent uses of one code, exactly one gets true.
   */
  advanceStep(userId: number, step: number): Promise<boolean>;
  /** Replaces the user's recovery codes. */
  replaceRecoveryCodes(userId: number, codeHashes: readonly string[], now: Date, trx: Transaction): Promise<void>;
  /** Uses up an unused code; false when there is none with this hash (of two concurrent uses, one wins). */
  useRecoveryCode(userId: number, codeHash: string, now: Date): Promise<boolean>;
  /** Removes the authenticator and the recovery codes; false when there was neither. */
  removeAll(userId: number, trx: Transaction): Promise<boolean>;
  counts(userIds: readonly number[]): Promise<Map<number, SecondFactorCounts>>;
}

/** IN lists stay short on every database. */
const BATCH = 500;

export function createSecondFactorRepository(db: Database): SecondFactorRepository {
  const { TotpFactor, RecoveryCode } = db.models;
  const { sequelize } = db;

  async function countsOfBatch(ids: number[], into: Map<number, SecondFactorCounts>): Promise<void> {
    const p = db.params();
    const confirmed = await TotpFactor.findAll(
      p.options({ attributes: ['userId'], where: { userId: p.in(ids), confirmedAt: { [Op.ne]: null } }, raw: true }),
    );
    const on = new Set(confirmed.map((row) => row.userId));
    // Recovery codes count only beside a confirmed authenticator: most signins need no second query.
    const withTotp = ids.filter((id) => on.has(id));
    let unused: Array<{ userId: number; left: number | string }> = [];
    if (withTotp.length > 0) {
      const u = db.params();
      unused = (await RecoveryCode.findAll(
        u.options({
          attributes: ['userId', [sequelize.fn('COUNT', sequelize.col('id')), 'left']] as FindAttributeOptions,
          where: { userId: u.in(withTotp), usedAt: { [Op.is]: null } },
          group: ['userId'],
          raw: true,
        }),
      )) as unknown as Array<{ userId: number; left: number | string }>;
    }
    const left = new Map(unused.map((row) => [Number(row.userId), Number(row.left)]));
    for (const id of ids) into.set(id, { totp: on.has(id), recoveryCodesLeft: on.has(id) ? (left.get(id) ?? 0) : 0 });
  }

  return {
    async findTotp(userId, trx) {
      const p = db.params();
      const row = await TotpFactor.findOne(p.options({ where: { userId: p.eq(userId) }, transaction: trx ?? null }));
      if (!row) return null;
      return { userId: row.userId, sealedSecret: row.secret, confirmed: row.confirmedAt !== null, lastStep: row.lastStep };
    },

    async savePendingTotp(userId, sealedSecret, now, trx) {
      const p = db.params();
      const existing = await TotpFactor.findOne(p.options({ where: { userId: p.eq(userId) }, transaction: trx }));
      if (existing?.confirmedAt) return false;
      if (existing) {
        const [count] = await TotpFactor.update(
          { secret: sealedSecret, createdAt: now, lastStep: null },
          { where: { userId, confirmedAt: null }, transaction: trx },
        );
        return count === 1;
      }
      await TotpFactor.create({ userId, secret: sealedSecret, confirmedAt: null, lastStep: null, createdAt: now }, { transaction: trx });
      return true;
    },

    async confirmTotp(userId, sealedSecret, step, now, trx) {
      const [count] = await TotpFactor.update(
        { confirmedAt: now, lastStep: step },
        { where: { userId, secret: sealedSecret, confirmedAt: null }, transaction: trx },
      );
      return count === 1;
    },

    async advanceStep(userId, step) {
      const [count] = await TotpFactor.update(
        { lastStep: step },
        {
          where: {
            userId,
            confirmedAt: { [Op.ne]: null },
            [Op.or]: [{ lastStep: null }, { lastStep: { [Op.lt]: step } }],
          },
        },
      );
      return count === 1;
    },

    async replaceRecoveryCodes(userId, codeHashes, now, trx) {
      const p = db.params();
      await RecoveryCode.destroy(p.options({ where: { userId: p.eq(userId) }, transaction: trx }));
      await RecoveryCode.bulkCreate(
        codeHashes.map((codeHash) => ({ userId, codeHash, usedAt: null, createdAt: now })),
        { transaction: trx },
      );
    },

    async useRecoveryCode(userId, codeHash, now) {
      const [count] = await RecoveryCode.update({ usedAt: now }, { where: { userId, codeHash, usedAt: null } });
      return count === 1;
    },

    async removeAll(userId, trx) {
      const p = db.params();
      const codes = await RecoveryCode.destroy(p.options({ where: { userId: p.eq(userId) }, transaction: trx }));
      const f = db.params();
      const factors = await TotpFactor.destroy(f.options({ where: { userId: f.eq(userId) }, transaction: trx }));
      return codes + factors > 0;
    },

    async counts(userIds) {
      const result = new Map<number, SecondFactorCounts>();
      const ids = [...new Set(userIds)];
      for (let start = 0; start < ids.length; start += BATCH) await countsOfBatch(ids.slice(start, start + BATCH), result);
      return result;
    },
  };
}
