import { Op, type Transaction } from 'sequelize';
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
      const rows = await Revocation.findAll({
        attributes: ['id', 'sessionId', 'expiresAt'],
        where: { id: { [Op.gt]: afterId }, expiresAt: { [Op.gt]: now } },
        order: [['id', 'ASC']],
        limit,
        raw: true,
      });
      return rows.map((r) => ({ id: r.id, sessionId: r.sessionId, expiresAt: new Date(r.expiresAt) }));
    },

    async purgeExpired(now, limit) {
      const old = await Revocation.findAll({ attributes: ['id'], where: { expiresAt: { [Op.lte]: now } }, limit });
      if (old.length === 0) return 0;
      return Revocation.destroy({ where: { id: { [Op.in]: old.map((r) => r.id) } } });
    },
  };
}
