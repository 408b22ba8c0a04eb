import type { Transaction } from 'sequelize';
import type { Database } from '../../db/database.js';
import { purgeInBatches } from '../../lib/batches.js';
import type { Clock } from '../../lib/clock.js';
import { randomToken, sha256Hex } from '../../lib/crypto.js';
import type { EmailTokenPurpose, EmailTokenRecord, EmailTokenRepository } from './email-token.repository.js';

/*
 * The tokens of links sent by mail: 256 random bits, of which only the SHA-256 is stored (a
 * database reader cannot use a link), single use, voided by a newer token of the same purpose.
 */

export interface EmailTokens {
  /** A new token for the user and purpose; older unused ones of that purpose stop working. */
  issue(userId: number, purpose: EmailTokenPurpose, email: string, ttlSeconds: number): Promise<string>;
  /** The token's record when it exists, has one of `purposes`, and is unused and unexpired now. */
  check(token: string, purposes: readonly EmailTokenPurpose[]): Promise<EmailTokenRecord | null>;
  /** Uses the token up inside `trx`; false when it was used (or expired) meanwhile. */
  consume(record: EmailTokenRecord, trx: Transaction): Promise<boolean>;
  purge(): Promise<number>;
}

/** Expired tokens are kept a day (a late click says "used or expired", not "unknown"; both are 400). */
const EXPIRED_RETENTION_MS = 24 * 3600_000;

export function createEmailTokens({ db, tokens, clock }: { db: Pick<Database, 'transaction'>; tokens: EmailTokenRepository; clock: Clock }): EmailTokens {
  return {
    async issue(userId, purpose, email, ttlSeconds) {
      const token = randomToken(32);
      const now = clock.now();
      await db.transaction((trx) =>
        tokens.issue(
          { tokenHash: sha256Hex(token), userId, purpose, email, createdAt: new Date(now), expiresAt: new Date(now + ttlSeconds * 1000) },
          trx,
        ),
      );
      return token;
    },

    async check(token, purposes) {
      const record = await tokens.find(sha256Hex(token));
      if (!record || !purposes.includes(record.purpose)) return null;
      if (record.usedAt !== null || record.expiresAt.getTime() <= clock.now()) return null;
      return record;
    },

    consume: (record, trx) => tokens.consume(record.tokenHash, new Date(clock.now()), trx),

    purge() {
      const before = new Date(clock.now() - EXPIRED_RETENTION_MS);
      return purgeInBatches((limit) => tokens.purgeExpired(before, limit));
    },
  };
}
