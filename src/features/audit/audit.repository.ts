import { Op, type WhereOptions } from 'sequelize';
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
  return {
    async insert(event) {
      await AuditEvent.create(event);
    },

    async list(query) {
      const conditions: WhereOptions[] = [];
      if (query.userId !== undefined) conditions.push({ [Op.or]: [{ actorId: query.userId }, { targetId: query.userId }] });
      if (query.type !== undefined) {
        conditions.push(
          query.type.endsWith('.')
            ? { type: { [Op.startsWith]: query.type } }
            : { type: query.type },
        );
      }
      if (query.from) conditions.push({ createdAt: { [Op.gte]: query.from } });
      if (query.to) conditions.push({ createdAt: { [Op.lt]: query.to } });
      const { rows, count } = await AuditEvent.findAndCountAll({
        where: { [Op.and]: conditions },
        order: [
          ['createdAt', 'DESC'],
          ['id', 'DESC'],
        ],
        offset: query.offset,
        limit: query.limit,
      });
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
