import { DataTypes, QueryTypes } from 'sequelize';
import type { UmzugStorage } from 'umzug';
import type { MigrationContext } from './migrations/migration.js';

/**
 * Where applied migrations are recorded. Unlike Umzug's SequelizeStorage, the table is created
 * only when the first migration succeeds, so a refused adoption leaves the database untouched.
 */
export function createMigrationStorage(tableName: string): UmzugStorage<MigrationContext> {
  return {
    async executed({ context }) {
      if (!(await context.queryInterface.tableExists(tableName))) return [];
      const q = (name: string) => context.queryInterface.quoteIdentifier(name);
      const rows = await context.sequelize.query<{ name: string }>(`SELECT ${q('name')} FROM ${q(tableName)}`, {
        type: QueryTypes.SELECT,
      });
      return rows.map((row) => row.name);
    },

    async logMigration({ name, context }) {
      const qi = context.queryInterface;
      if (!(await qi.tableExists(tableName))) {
        await qi.createTable(tableName, {
          name: { type: DataTypes.STRING(190), primaryKey: true, allowNull: false },
          appliedAt: { type: DataTypes.DATE, allowNull: false },
        });
      }
      await qi.bulkInsert(tableName, [{ name, appliedAt: new Date() }]);
    },

    async unlogMigration({ name, context }) {
      await context.queryInterface.bulkDelete(tableName, { name });
    },
  };
}
