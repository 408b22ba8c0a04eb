import { Op, QueryTypes, type Order, type WhereOptions } from 'sequelize';
import type { Database } from '../../db/database.js';

export interface NewAuditEvent {
  type: string;
  actorId: number | null;
  targetId: number | null;
  username: string | null;
  ip: string | null;
  userAgent: string | null;
  details: string | null;
  createdAt: Date;
}

export interface StoredAuditEvent extends Omit<NewAuditEvent, 'details'> {
  id: number;
  details: Record<string, unknown> | null;
}

export interface AuditQuery {
  /** Events where this user acted or was acted upon. */
  userId?: number | undefined;
  /** An exact type, or a prefix ending in "." (e.g. "signin."). */
  type?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  offset: number;
  limit: number;
}

export interface AuditRepository {
  insert(event: NewAuditEvent): Promise<void>;
  /** Newest first. */
  list(query: AuditQuery): Promise<{ items: StoredAuditEvent[]; total: number }>;
}

function parseDetails(text: string | null): Record<string, unknown> | null {
  if (text === null) return null;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { text };
  }
}

export function createAuditRepository(db: Database): AuditRepository {
  const { AuditEvent } = db.models;
  // Every signin writes an event: a raw INSERT with bound parameters, written once.
  const q = (name: string) => db.sequelize.getQueryInterface().quoteIdentifier(name);
  const columns = ['type', 'actorId', 'targetId', 'username', 'ip', 'userAgent', 'details', 'createdAt'] as const;
  const insertSql = `INSERT INTO ${q('audit_events')} (${columns.map(q).join(', ')}) VALUES `;
  return {
    async insert(event) {
      const p = db.params();
      const values = columns.map((c) => p.placeholder(event[c] ?? null)).join(', ');
      await db.sequelize.query(`${insertSql}(${values})`, { bind: p.bind, type: QueryTypes.INSERT });
    },

    async list(query) {
      const p = db.params();
      const conditions: WhereOptions[] = [];
      if (query.userId !== undefined) {
        conditions.push({ [Op.or]: [{ actorId: p.eq(query.userId) }, { targetId: p.eq(query.userId) }] });
      }
      if (query.type !== undefined) {
        // A prefix compared as a prefix: no LIKE, so "_" and "%" are ordinary characters.
        const { type } = query;
        conditions.push(
          type.endsWith('.')
            ? db.sequelize.where(db.sequelize.fn('substr', db.sequelize.col('type'), 1, type.length), p.ref(type))
            : { type: p.eq(type) },
        );
      }
      if (query.from) conditions.push({ createdAt: { [Op.gte]: p.ref(query.from) } });
      if (query.to) conditions.push({ createdAt: { [Op.lt]: p.ref(query.to) } });
      const order: Order = [
        ['createdAt', 'DESC'],
        ['id', 'DESC'],
      ];
      const { rows, count } = await AuditEvent.findAndCountAll(
        p.options({ where: { [Op.and]: conditions }, order, offset: query.offset, limit: query.limit }),
      );
      return {
        items: rows.map((r) => ({
          id: r.id,
          type: r.type,
          actorId: r.actorId,
          targetId: r.targetId,
          username: r.username,
          ip: r.ip,
          userAgent: r.userAgent,
          details: parseDetails(r.details),
          createdAt: r.createdAt,
        })),
        total: count,
      };
    },
  };
}
