import { Op, type Order, type Transaction, type WhereOptions } from 'sequelize';
import type { BoundParams, Database } from '../../db/database.js';
import type { MailOutboxRow } from '../../db/models.js';

/*
 * The outbox: a message to send is a row, written in the transaction of the change that causes
 * it. Rows hold what the message needs (who, why, a few values), never a token: the sender
 * makes the token when it sends. Instances claim rows with a conditional UPDATE (claimedBy,
 * claimedUntil) that works alike on every dialect, so each row has one sender at a time.
 */

export type OutboxStatus = 'pending' | 'sent' | 'dropped' | 'failed';

export interface NewOutboxEntry {
  purpose: string;
  recipient: string;
  recipientKey: string;
  userId?: number | undefined;
  payload?: Record<string, unknown> | undefined;
}

export interface OutboxEntry {
  id: number;
  purpose: string;
  recipient: string;
  userId: number | null;
  payload: Record<string, unknown>;
  attempts: number;
  createdAt: Date;
}

export interface OutboxRepository {
  add(entry: NewOutboxEntry, now: Date, trx?: Transaction): Promise<void>;
  /** Entries for this recipient and purpose written since `since`, whatever became of them. */
  countSince(recipientKey: string, purpose: string, since: Date, trx?: Transaction): Promise<number>;
  /** Claims up to `limit` due entries for `claim` until `until`; returns those this claim won. */
  claimDue(claim: string, now: Date, until: Date, limit: number): Promise<OutboxEntry[]>;
  /** Settles a claimed entry; false when the claim was lost meanwhile. */
  finish(id: number, claim: string, status: Exclude<OutboxStatus, 'pending'>, now: Date, error?: string): Promise<boolean>;
  /** Releases a claimed entry for another attempt at `next`. */
  retryAt(id: number, claim: string, next: Date, error: string): Promise<void>;
  /** Releases every entry of `claim` still pending, for any sender's next run; returns how many. */
  release(claim: string): Promise<number>;
  countWaiting(): Promise<number>;
  /** Deletes up to `limit` entries settled before `before`; returns how many. */
  purgeSettled(before: Date, limit: number): Promise<number>;
}

function toEntry(row: MailOutboxRow): OutboxEntry {
  return {
    id: row.id,
    purpose: row.purpose,
    recipient: row.recipient,
    userId: row.userId,
    payload: row.payload ? (JSON.parse(row.payload) as Record<string, unknown>) : {},
    attempts: row.attempts,
    createdAt: row.createdAt,
  };
}

export function createOutboxRepository(db: Database): OutboxRepository {
  const { MailOutbox } = db.models;
  // Conditions of SELECT, COUNT and DELETE take bound parameters (db.params); UPDATE binds its own.
  const claimable = (now: Date | ReturnType<BoundParams['ref']>): WhereOptions => ({
    status: 'pending',
    nextAttemptAt: { [Op.lte]: now },
    [Op.or]: [{ claimedUntil: null }, { claimedUntil: { [Op.lt]: now } }],
  });

  return {
    async add(entry, now, trx) {
      await MailOutbox.create(
        {
          purpose: entry.purpose,
          recipient: entry.recipient,
          recipientKey: entry.recipientKey,
          userId: entry.userId ?? null,
          payload: entry.payload ? JSON.stringify(entry.payload) : null,
          status: 'pending',
          attempts: 0,
          nextAttemptAt: now,
          createdAt: now,
        },
        { transaction: trx ?? null },
      );
    },

    countSince(recipientKey, purpose, since, trx) {
      const p = db.params();
      return MailOutbox.count(
        p.options({
          where: { recipientKey: p.eq(recipientKey), purpose: p.eq(purpose), createdAt: { [Op.gt]: p.ref(since) } },
          transaction: trx ?? null,
        }),
      );
    },

    async claimDue(claim, now, until, limit) {
      const p = db.params();
      const order: Order = [
        ['nextAttemptAt', 'ASC'],
        ['id', 'ASC'],
      ];
      const due = await MailOutbox.findAll(p.options({ attributes: ['id'], where: claimable(p.ref(now)), order, limit }));
      if (due.length === 0) return [];
      // The condition is checked again row by row as each is updated: of two instances, one wins.
      await MailOutbox.update(
        { claimedBy: claim, claimedUntil: until },
        { where: { [Op.and]: [{ id: { [Op.in]: due.map((r) => r.id) } }, claimable(now)] } },
      );
      const w = db.params();
      const won = await MailOutbox.findAll(
        w.options({ where: { claimedBy: w.eq(claim), status: w.eq('pending') }, order: [['id', 'ASC']] as Order }),
      );
      return won.map(toEntry);
    },

    async finish(id, claim, status, now, error) {
      const [count] = await MailOutbox.update(
        { status, finishedAt: now, claimedUntil: null, lastError: error?.slice(0, 255) ?? null },
        { where: { id, claimedBy: claim, status: 'pending' } },
      );
      return count === 1;
    },

    async retryAt(id, claim, next, error) {
      await MailOutbox.increment('attempts', { where: { id, claimedBy: claim, status: 'pending' } });
      await MailOutbox.update(
        { nextAttemptAt: next, claimedBy: null, claimedUntil: null, lastError: error.slice(0, 255) },
        { where: { id, claimedBy: claim, status: 'pending' } },
      );
    },

    async release(claim) {
      const [count] = await MailOutbox.update({ claimedBy: null, claimedUntil: null }, { where: { claimedBy: claim, status: 'pending' } });
      return count;
    },

    countWaiting: () => MailOutbox.count({ where: { status: 'pending' } }),

    async purgeSettled(before, limit) {
      const p = db.params();
      const old = await MailOutbox.findAll(
        p.options({ attributes: ['id'], where: { status: { [Op.ne]: 'pending' }, finishedAt: { [Op.lt]: p.ref(before) } }, limit }),
      );
      if (old.length === 0) return 0;
      const d = db.params();
      return MailOutbox.destroy(d.options({ where: { id: d.in(old.map((r) => r.id)) } }));
    },
  };
}
