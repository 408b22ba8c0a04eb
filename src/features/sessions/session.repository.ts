import { Op, Transaction, type Order } from 'sequelize';
import type { Database } from '../../db/database.js';
import type { SessionRow } from '../../db/models.js';
import { amrFromText, amrToText } from '../../lib/proof.js';

export interface SessionRecord {
  id: string;
  userId: number;
  createdAt: Date;
  lastUsedAt: Date;
  idleExpiresAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  userAgent: string | null;
  ip: string | null;
  /** How the signin that started the session was proven (RFC 8176). */
  amr: readonly string[];
}

export interface RefreshTokenRecord {
  id: string;
  sessionId: string;
  secretHash: string;
  rotatedAt: Date | null;
  session: SessionRecord;
}

export interface NewSession {
  id: string;
  userId: number;
  now: Date;
  idleExpiresAt: Date;
  expiresAt: Date;
  userAgent: string | null;
  ip: string | null;
  amr: readonly string[];
}

export interface NewTokenRow {
  id: string;
  sessionId: string;
  secretHash: string;
  createdAt: Date;
}

export interface SessionRepository {
  create(session: NewSession, token: NewTokenRow, trx: Transaction): Promise<void>;
  /**
   * A token and its session. `locked` reads the latest committed row and holds a shared lock on it
   * (MySQL's repeatable read would otherwise answer from the transaction's first snapshot).
   */
  findToken(id: string, trx?: Transaction, locked?: boolean): Promise<RefreshTokenRecord | null>;
  /** Marks a token as exchanged; false when another request already did (a race or a replay). */
  markRotated(tokenId: string, at: Date, trx: Transaction): Promise<boolean>;
  addToken(token: NewTokenRow, trx: Transaction): Promise<void>;
  touch(sessionId: string, at: Date, idleExpiresAt: Date, trx: Transaction): Promise<void>;
  /** Ends the sessions that are still active among `ids`; returns those it ended. */
  revoke(ids: readonly string[], reason: string, at: Date, trx?: Transaction): Promise<string[]>;
  activeIdsOfUsers(userIds: readonly number[], trx?: Transaction): Promise<string[]>;
  listActive(userId: number, now: Date): Promise<SessionRecord[]>;
  /** The user's live sessions beyond the newest `keep`, oldest first. */
  activeIdsBeyond(userId: number, keep: number, now: Date, trx: Transaction): Promise<string[]>;
  /** Deletes up to `limit` sessions that ended (revoked or expired); returns how many. */
  purgeEnded(now: Date, limit: number): Promise<number>;
  /** Deletes up to `limit` rotated tokens exchanged before `before`; returns how many. */
  purgeRotatedTokens(before: Date, limit: number): Promise<number>;
}

function toRecord(row: SessionRow): SessionRecord {
  return {
    id: row.id,
    userId: row.userId,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    idleExpiresAt: row.idleExpiresAt,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt ?? null,
    userAgent: row.userAgent,
    ip: row.ip,
    amr: amrFromText(row.amr),
  };
}


export function createSessionRepository(db: Database): SessionRepository {
  const { Session, RefreshToken } = db.models;

  return {
    async create(session, token, trx) {
      await Session.create(
        {
          id: session.id,
          userId: session.userId,
          createdAt: session.now,
          lastUsedAt: session.now,
          idleExpiresAt: session.idleExpiresAt,
          expiresAt: session.expiresAt,
          userAgent: session.userAgent,
          ip: session.ip,
          amr: amrToText(session.amr),
        },
        { transaction: trx },
      );
      await RefreshToken.create(token, { transaction: trx });
    },

    async findToken(id, trx, locked = false) {
      const p = db.params();
      const row = await RefreshToken.findOne(
        p.options({
          where: { id: p.eq(id) },
          include: [{ model: Session, as: 'session', required: true }],
          transaction: trx ?? null,
          ...(locked && db.dialect !== 'sqlite' ? { lock: Transaction.LOCK.SHARE } : {}),
        }),
      );
      if (!row?.session) return null;
      return {
        id: row.id,
        sessionId: row.sessionId,
        secretHash: row.secretHash,
        rotatedAt: row.rotatedAt ?? null,
        session: toRecord(row.session),
      };
    },

    // Sequelize binds the values and the condition of an UPDATE itself.
    async markRotated(tokenId, at, trx) {
      const [count] = await RefreshToken.update({ rotatedAt: at }, { where: { id: tokenId, rotatedAt: null }, transaction: trx });
      return count === 1;
    },

    async addToken(token, trx) {
      await RefreshToken.create(token, { transaction: trx });
    },

    async touch(sessionId, at, idleExpiresAt, trx) {
      await Session.update({ lastUsedAt: at, idleExpiresAt }, { where: { id: sessionId }, transaction: trx });
    },

    async revoke(ids, reason, at, trx) {
      if (ids.length === 0) return [];
      const p = db.params();
      const active = await Session.findAll(
        p.options({ attributes: ['id'], where: { id: p.in(ids), revokedAt: { [Op.is]: null } }, transaction: trx ?? null }),
      );
      const activeIds = active.map((s) => s.id);
      if (activeIds.length === 0) return [];
      await Session.update(
        { revokedAt: at, revokedReason: reason },
        { where: { id: { [Op.in]: activeIds }, revokedAt: null }, transaction: trx ?? null },
      );
      return activeIds;
    },

    async activeIdsOfUsers(userIds, trx) {
      if (userIds.length === 0) return [];
      const p = db.params();
      const rows = await Session.findAll(
        p.options({ attributes: ['id'], where: { userId: p.in(userIds), revokedAt: { [Op.is]: null } }, transaction: trx ?? null }),
      );
      return rows.map((r) => r.id);
    },

    async listActive(userId, now) {
      const p = db.params();
      const active = { revokedAt: { [Op.is]: null }, idleExpiresAt: { [Op.gt]: p.ref(now) }, expiresAt: { [Op.gt]: p.ref(now) } };
      const order: Order = [['createdAt', 'DESC']];
      const rows = await Session.findAll(p.options({ where: { userId: p.eq(userId), ...active }, order }));
      return rows.map(toRecord);
    },

    async activeIdsBeyond(userId, keep, now, trx) {
      const p = db.params();
      const active = { revokedAt: { [Op.is]: null }, idleExpiresAt: { [Op.gt]: p.ref(now) }, expiresAt: { [Op.gt]: p.ref(now) } };
      const order: Order = [
        ['createdAt', 'DESC'],
        ['id', 'DESC'],
      ];
      const rows = await Session.findAll(
        p.options({ attributes: ['id'], where: { userId: p.eq(userId), ...active }, order, offset: keep, transaction: trx }),
      );
      return rows.map((r) => r.id);
    },

    async purgeEnded(now, limit) {
      const p = db.params();
      const ended = await Session.findAll(
        p.options({
          attributes: ['id'],
          where: {
            [Op.or]: [{ revokedAt: { [Op.ne]: null } }, { idleExpiresAt: { [Op.lte]: p.ref(now) } }, { expiresAt: { [Op.lte]: p.ref(now) } }],
          },
          limit,
        }),
      );
      if (ended.length === 0) return 0;
      const ids = ended.map((s) => s.id);
      // Tokens first: not every database cascades (SQLite only with foreign keys on).
      const t = db.params();
      await RefreshToken.destroy(t.options({ where: { sessionId: t.in(ids) } }));
      const d = db.params();
      return Session.destroy(d.options({ where: { id: d.in(ids) } }));
    },

    async purgeRotatedTokens(before, limit) {
      const p = db.params();
      const old = await RefreshToken.findAll(p.options({ attributes: ['id'], where: { rotatedAt: { [Op.lte]: p.ref(before) } }, limit }));
      if (old.length === 0) return 0;
      const d = db.params();
      return RefreshToken.destroy(d.options({ where: { id: d.in(old.map((t) => t.id)) } }));
    },
  };
}
