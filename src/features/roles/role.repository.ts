import { UniqueConstraintError, type Order, type Transaction } from 'sequelize';
import type { Database } from '../../db/database.js';
import type { RoleRow } from '../../db/models.js';

export interface RoleRecord {
  id: number;
  name: string;
}

export interface RoleRepository {
  findByNames(names: readonly string[], trx?: Transaction): Promise<RoleRecord[]>;
  /** Every role with the number of users holding it, by id. */
  listWithCounts(): Promise<Array<RoleRecord & { users: number }>>;
  /** Creates a role with the next free id; undefined when the name is taken. */
  create(name: string, trx: Transaction): Promise<RoleRecord | undefined>;
  /** Ids of the users holding the role. */
  holders(roleId: number, trx?: Transaction): Promise<number[]>;
  remove(roleId: number, trx: Transaction): Promise<void>;
}

export function createRoleRepository(db: Database): RoleRepository {
  const { Role, UserRole } = db.models;
  return {
    async findByNames(names, trx) {
      if (names.length === 0) return [];
      const p = db.params();
      const rows = await Role.findAll(p.options({ where: { name: p.in(names) }, order: [['id', 'ASC']] as Order, transaction: trx ?? null }));
      return rows.map((r) => ({ id: r.id, name: r.name }));
    },

    async listWithCounts() {
      const roles = await Role.findAll({ order: [['id', 'ASC']] });
      const counts = (await UserRole.count({ group: ['roleId'] })) as unknown as Array<{ roleId: number; count: number }>;
      const byRole = new Map(counts.map((c) => [Number(c.roleId), Number(c.count)]));
      return roles.map((r) => ({ id: r.id, name: r.name, users: byRole.get(r.id) ?? 0 }));
    },

    async create(name, trx) {
      const p = db.params();
      if ((await Role.count(p.options({ where: { name: p.eq(name) }, transaction: trx }))) > 0) return undefined;
      // The tutorial's roles table has no auto-increment: take the next id inside the transaction.
      const next = ((await Role.max<number | null, RoleRow>('id', { transaction: trx })) ?? 0) + 1;
      try {
        await Role.create({ id: next, name }, { transaction: trx });
      } catch (error) {
        if (error instanceof UniqueConstraintError) return undefined;
        throw error;
      }
      return { id: next, name };
    },

    async holders(roleId, trx) {
      const p = db.params();
      const rows = await UserRole.findAll(p.options({ attributes: ['userId'], where: { roleId: p.eq(roleId) }, transaction: trx ?? null }));
      return rows.map((r) => r.userId);
    },

    async remove(roleId, trx) {
      const p = db.params();
      await UserRole.destroy(p.options({ where: { roleId: p.eq(roleId) }, transaction: trx }));
      const r = db.params();
      await Role.destroy(r.options({ where: { id: r.eq(roleId) }, transaction: trx }));
    },
  };
}
