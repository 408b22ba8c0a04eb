import { Op } from 'sequelize';
import type { Database } from '../../db/database.js';

export type WebauthnPurpose = 'register' | 'signin' | 'mfa';

export interface WebauthnChallengeRecord {
  id: string;
  purpose: WebauthnPurpose;
  challengeHash: string;
  userId: number | null;
  mfaChallengeId: string | null;
}

export interface NewWebauthnChallenge extends WebauthnChallengeRecord {
  createdAt: Date;
  expiresAt: Date;
}

/** The `webauthn_challenges` table: ceremonies waiting for the browser's answer. */
export interface WebauthnChallengeRepository {
  create(challenge: NewWebauthnChallenge): Promise<void>;
  /**
   * Deletes the unexpired challenge of this id and purpose and returns it; null when there is
   * none, or another request took it first (the DELETE's row count decides).
   */
  take(id: string, purpose: WebauthnPurpose, now: Date): Promise<WebauthnChallengeRecord | null>;
  /** Deletes up to `limit` challenges that expired before `before`; returns how many. */
  purgeExpired(before: Date, limit: number): Promise<number>;
}

export function createWebauthnChallengeRepository(db: Database): WebauthnChallengeRepository {
  const { WebauthnChallenge } = db.models;

  return {
    async create(challenge) {
      await WebauthnChallenge.create(challenge);
    },

    async take(id, purpose, now) {
      const p = db.params();
      const row = await WebauthnChallenge.findOne(p.options({ where: { id: p.eq(id), purpose: p.eq(purpose), expiresAt: { [Op.gt]: p.ref(now) } } }));
      if (!row) return null;
      const d = db.params();
      const deleted = await WebauthnChallenge.destroy(d.options({ where: { id: d.eq(id) } }));
      if (deleted !== 1) return null;
      return {
        id: row.id,
        purpose: row.purpose as WebauthnPurpose,
        challengeHash: row.challengeHash,
        userId: row.userId,
        mfaChallengeId: row.mfaChallengeId,
      };
    },

    async purgeExpired(before, limit) {
      const p = db.params();
      const old = await WebauthnChallenge.findAll(p.options({ attributes: ['id'], where: { expiresAt: { [Op.lte]: p.ref(before) } }, limit }));
      if (old.length === 0) return 0;
      const d = db.params();
      return WebauthnChallenge.destroy(d.options({ where: { id: d.in(old.map((c) => c.id)) } }));
    },
  };
}
