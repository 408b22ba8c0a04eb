import { Op, type Transaction } from 'sequelize';
import type { Database } from '../../db/database.js';

export interface RoleRecord {
  id: number;
  name: string;
}

export interface RoleRepository {
  findByNames(names: readonly string[], trx?: Transaction): Promise<RoleRecord[]>;
}

export function createRoleRepository(db: Database): RoleRepository {
  const { Role } = db.models;
  return {
    async findByNames(names, trx) {
      if (names.length === 0) return [];
      const rows = await Role.findAll({
        where: { name: { [Op.in]: [...names] } },
        order: [['id', 'ASC']],
        transaction: trx ?? null,
      });
      return rows.map((r) => ({ id: r.id, name: r.name }));
    },
  };
}
