import { Op } from 'sequelize';
import type { Database } from '../../db/database.js';

export interface MfaChallengeRecord {
  id: string;
  secretHash: string;
  userId: number;
  /** What the first step proved, as stored ("pwd"). */
  amr: string;
}

export interface NewMfaChallenge extends MfaChallengeRecord {
  createdAt: Date;
  expiresAt: Date;
}

/** A challenge as found: also whether it can still be redeemed. */
export interface FoundMfaChallenge extends MfaChallengeRecord {
  used: boolean;
  expiresAt: Date;
  attempts: number;
}

/** The `mfa_challenges` table: signins that wait for their second factor. */
export interface MfaChallengeRepository {
  create(challenge: NewMfaChallenge): Promise<void>;
  find(id: string): Promise<FoundMfaChallenge | null>;
  /**
   * Counts one more attempt, only while the challenge is unused, unexpired and below
   * `maxAttempts`: of concurrent attempts, never more than `maxAttempts` get true.
   */
  reserveAttempt(id: string, now: Date, maxAttempts: number): Promise<boolean>;
  /** Uses the challenge up; false when another request did. */
  markUsed(id: string, now: Date): Promise<boolean>;
  /** Deletes up to `limit` challenges that expired before `before`; returns how many. */
  purgeExpired(before: Date, limit: number): Promise<number>;
}

export function createMfaChallengeRepository(db: Database): MfaChallengeRepository {
  const { MfaChallenge } = db.models;
  const { sequelize } = db;
  const attempts = sequelize.getQueryInterface().quoteIdentifier('attempts');

  return {
    async create(challenge) {
      await MfaChallenge.create({ ...challenge, attempts: 0, usedAt: null });
    },

    async find(id) {
      const p = db.params();
      const row = await MfaChallenge.findOne(p.options({ where: { id: p.eq(id) } }));
      if (!row) return null;
      const { secretHash, userId, amr, usedAt, expiresAt, attempts } = row;
      return { id: row.id, secretHash, userId, amr, used: usedAt !== null, expiresAt, attempts };
    },

    async reserveAttempt(id, now, maxAttempts) {
      const [count] = await MfaChallenge.update(
        { attempts: sequelize.literal(`${attempts} + 1`) },
        { where: { id, usedAt: null, expiresAt: { [Op.gt]: now }, attempts: { [Op.lt]: maxAttempts } } },
      );
      return count === 1;
    },

    async markUsed(id, now) {
      const [count] = await MfaChallenge.update({ usedAt: now }, { where: { id, usedAt: null } });
      return count === 1;
    },

    async purgeExpired(before, limit) {
      const p = db.params();
      const old = await MfaChallenge.findAll(p.options({ attributes: ['id'], where: { expiresAt: { [Op.lte]: p.ref(before) } }, limit }));
      if (old.length === 0) return 0;
      const d = db.params();
      return MfaChallenge.destroy(d.options({ where: { id: d.in(old.map((c) => c.id)) } }));
    },
  };
}
