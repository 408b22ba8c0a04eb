import { Op, type Transaction } from 'sequelize';
import type { Database } from '../../db/database.js';

/** What a link proves: the address is the user's (verify), the user may set a password (reset), the new address is theirs (change). */
export type EmailTokenPurpose = 'verify' | 'reset' | 'change';

export interface EmailTokenRecord {
  tokenHash: string;
  userId: number;
  purpose: EmailTokenPurpose;
  /** The address the link was sent to, and which it confirms. */
  email: string;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
}

export type NewEmailToken = Omit<EmailTokenRecord, 'usedAt'>;

export interface EmailTokenRepository {
  /** Stores a token and voids the unused ones of the same user and purpose (a newer link replaces older ones). */
  issue(token: NewEmailToken, trx: Transaction): Promise<void>;
  find(tokenHash: string): Promise<EmailTokenRecord | null>;
  /** Marks the token used, if it is unused and unexpired at `now`; false otherwise (of two uses, one wins). */
  consume(tokenHash: string, now: Date, trx: Transaction): Promise<boolean>;
  /** Deletes up to `limit` tokens that expired before `before`; returns how many. */
  purgeExpired(before: Date, limit: number): Promise<number>;
}

export function createEmailTokenRepository(db: Database): EmailTokenRepository {
  const { EmailToken } = db.models;
  return {
    async issue(token, trx) {
      await EmailToken.update(
        { usedAt: token.createdAt },
        { where: { userId: token.userId, purpose: token.purpose, usedAt: null }, transaction: trx },
      );
      await EmailToken.create(token, { transaction: trx });
    },

    async find(tokenHash) {
      const p = db.params();
      const row = await EmailToken.findOne(p.options({ where: { tokenHash: p.eq(tokenHash) } }));
      if (!row) return null;
      return {
        tokenHash: row.tokenHash,
        userId: row.userId,
        purpose: row.purpose as EmailTokenPurpose,
        email: row.email,
        createdAt: row.createdAt,
        expiresAt: row.expiresAt,
        usedAt: row.usedAt ?? null,
      };
    },

    async consume(tokenHash, now, trx) {
      const [count] = await EmailToken.update(
        { usedAt: now },
        { where: { tokenHash, usedAt: null, expiresAt: { [Op.gt]: now } }, transaction: trx },
      );
      return count === 1;
    },

    async purgeExpired(before, limit) {
      const p = db.params();
      const old = await EmailToken.findAll(p.options({ attributes: ['tokenHash'], where: { expiresAt: { [Op.lt]: p.ref(before) } }, limit }));
      if (old.length === 0) return 0;
      const d = db.params();
      return EmailToken.destroy(d.options({ where: { tokenHash: d.in(old.map((t) => t.tokenHash)) } }));
    },
  };
}
