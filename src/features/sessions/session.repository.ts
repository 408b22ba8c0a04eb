import { Op, QueryTypes, type Order, type Transaction } from 'sequelize';
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
  /** Moves the session's last use and idle expiry (inside `trx`, or as a statement of its own). */
  touch(sessionId: string, at: Date, idleExpiresAt: Date, trx?: Transaction): Promise<void>;
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

/** A LIMIT that no user's sessions reach (MAX_SESSIONS_PER_USER is at most 10,000). */
const MAX_ROWS = 1_000_000;

/** A time as the driver returns it from a raw query: a Date, or SQLite's text. */
function time(value: unknown): Date {
  return value instanceof Date ? value : new Date(String(value));
}
const timeOrNull = (value: unknown): Date | null => (value === null || value === undefined ? null : time(value));

interface TokenAndSessionRow {
  id: string;
  sessionId: string;
  secretHash: string;
  rotatedAt: unknown;
  userId: number | string;
  createdAt: unknown;
  lastUsedAt: unknown;
  idleExpiresAt: unknown;
  expiresAt: unknown;
  revokedAt: unknown;
  userAgent: string | null;
  ip: string | null;
  amr: string | null;
}

export function createSessionRepository(db: Database): SessionRepository {
  const { Session, RefreshToken } = db.models;

  /*
   * The refresh path (findToken, markRotated, addToken, touch) runs on every refresh: raw SQL
   * with bound parameters, written once here, instead of building each query and its model
   * instances through Sequelize.
   */
  const q = (name: string) => db.sequelize.getQueryInterface().quoteIdentifier(name);
  const sessionColumns = ['userId', 'createdAt', 'lastUsedAt', 'idleExpiresAt', 'expiresAt', 'revokedAt', 'userAgent', 'ip', 'amr'];
  const selectToken =
    `SELECT t.${q('id')}, t.${q('sessionId')}, t.${q('secretHash')}, t.${q('rotatedAt')}, ` +
    sessionColumns.map((c) => `s.${q(c)}`).join(', ') +
    ` FROM ${q('refresh_tokens')} t JOIN ${q('sessions')} s ON s.${q('id')} = t.${q('sessionId')} WHERE t.${q('id')} = `;
  const shareLock = db.dialect === 'mysql' ? ' LOCK IN SHARE MODE' : db.dialect === 'postgres' ? ' FOR SHARE' : '';
  const newSessionColumns = ['id', 'userId', 'createdAt', 'lastUsedAt', 'idleExpiresAt', 'expiresAt', 'userAgent', 'ip', 'amr'];
  const insertSession = `INSERT INTO ${q('sessions')} (${newSessionColumns.map(q).join(', ')}) VALUES `;
  const run = (sql: string, bind: Record<string, unknown>, type: QueryTypes, trx?: Transaction) =>
    db.sequelize.query(sql, { bind, type, transaction: trx ?? null }) as Promise<unknown>;

  async function addToken(token: NewTokenRow, trx: Transaction): Promise<void> {
    const p = db.params();
    const values = [token.id, token.sessionId, token.secretHash, token.createdAt].map((v) => p.placeholder(v)).join(', ');
    const sql = `INSERT INTO ${q('refresh_tokens')} (${q('id')}, ${q('sessionId')}, ${q('secretHash')}, ${q('createdAt')}) VALUES (${values})`;
    await run(sql, p.bind, QueryTypes.INSERT, trx);
  }

  return {
    async create(session, token, trx) {
      const p = db.params();
      const row = [
        session.id,
        session.userId,
        session.now,
        session.now,
        session.idleExpiresAt,
        session.expiresAt,
        session.userAgent,
        session.ip,
        amrToText(session.amr),
      ];
      await run(`${insertSession}(${row.map((v) => p.placeholder(v)).join(', ')})`, p.bind, QueryTypes.INSERT, trx);
      await addToken(token, trx);
    },

    async findToken(id, trx, locked = false) {
      const p = db.params();
      const sql = `${selectToken}${p.placeholder(id)}${locked ? shareLock : ''}`;
      const [row] = (await run(sql, p.bind, QueryTypes.SELECT, trx)) as TokenAndSessionRow[];
      if (!row) return null;
      return {
        id: row.id,
        sessionId: row.sessionId,
        secretHash: row.secretHash,
        rotatedAt: timeOrNull(row.rotatedAt),
        session: {
          id: row.sessionId,
          userId: Number(row.userId),
          createdAt: time(row.createdAt),
          lastUsedAt: time(row.lastUsedAt),
          idleExpiresAt: time(row.idleExpiresAt),
          expiresAt: time(row.expiresAt),
          revokedAt: timeOrNull(row.revokedAt),
          userAgent: row.userAgent,
          ip: row.ip,
          amr: amrFromText(row.amr),
        },
      };
    },

    async markRotated(tokenId, at, trx) {
      const p = db.params();
      const sql = `UPDATE ${q('refresh_tokens')} SET ${q('rotatedAt')} = ${p.placeholder(at)} WHERE ${q('id')} = ${p.placeholder(tokenId)} AND ${q('rotatedAt')} IS NULL`;
      return (await run(sql, p.bind, QueryTypes.BULKUPDATE, trx)) === 1;
    },

    addToken,

    async touch(sessionId, at, idleExpiresAt, trx) {
      const p = db.params();
      const sql = `UPDATE ${q('sessions')} SET ${q('lastUsedAt')} = ${p.placeholder(at)}, ${q('idleExpiresAt')} = ${p.placeholder(idleExpiresAt)} WHERE ${q('id')} = ${p.placeholder(sessionId)}`;
      await run(sql, p.bind, QueryTypes.BULKUPDATE, trx);
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
      const user = p.placeholder(userId);
      const at = p.placeholder(now);
      // LIMIT with OFFSET: MySQL and SQLite need a LIMIT for an OFFSET.
      const sql =
        `SELECT ${q('id')} FROM ${q('sessions')} WHERE ${q('userId')} = ${user} AND ${q('revokedAt')} IS NULL` +
        ` AND ${q('idleExpiresAt')} > ${at} AND ${q('expiresAt')} > ${at}` +
        ` ORDER BY ${q('createdAt')} DESC, ${q('id')} DESC LIMIT ${MAX_ROWS} OFFSET ${Math.max(0, Math.floor(keep))}`;
      const rows = (await run(sql, p.bind, QueryTypes.SELECT, trx)) as Array<{ id: string }>;
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
