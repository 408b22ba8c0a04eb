import { Op, type Order, type Transaction } from 'sequelize';
import type { Database } from '../../db/database.js';

export interface RevocationRecord {
  id: number;
  sessionId: string;
  expiresAt: Date;
}

export interface RevocationRepository {
  insert(sessionIds: readonly string[], expiresAt: Date, now: Date, trx?: Transaction): Promise<void>;
  /** Unexpired revocations with an id above `afterId`, in id order. */
  after(afterId: number, now: Date, limit: number): Promise<RevocationRecord[]>;
  purgeExpired(now: Date, limit: number): Promise<number>;
}

export function createRevocationRepository(db: Database): RevocationRepository {
  const { Revocation } = db.models;
  return {
    async insert(sessionIds, expiresAt, now, trx) {
      if (sessionIds.length === 0) return;
      await Revocation.bulkCreate(
        sessionIds.map((sessionId) => ({ sessionId, expiresAt, createdAt: now })),
        { transaction: trx ?? null },
      );
    },

    async after(afterId, now, limit) {
      const p = db.params();
      const rows = await Revocation.findAll(
        p.options({
          attributes: ['id', 'sessionId', 'expiresAt'],
          where: { id: { [Op.gt]: p.ref(afterId) }, expiresAt: { [Op.gt]: p.ref(now) } },
          order: [['id', 'ASC']] as Order,
          limit,
          raw: true,
        }),
      );
      return rows.map((r) => ({ id: r.id, sessionId: r.sessionId, expiresAt: new Date(r.expiresAt) }));
    },

    async purgeExpired(now, limit) {
      const p = db.params();
      const old = await Revocation.findAll(p.options({ attributes: ['id'], where: { expiresAt: { [Op.lte]: p.ref(now) } }, limit }));
      if (old.length === 0) return 0;
      const d = db.params();
      return Revocation.destroy(d.options({ where: { id: d.in(old.map((r) => r.id)) } }));
    },
  };
}
