import { DataTypes } from 'sequelize';
import type { Migration } from './migration.js';

/*
 * Guard rows (src/db/guard.models.ts) replace SELECT … FOR UPDATE, which Galera does not
 * replicate: the "last administrator" rule updates the `admins` row in every transaction that
 * could remove one.
 */

export const GUARDS_TABLE = 'tokengate_guards';

export const guardsSchema: Migration = {
  name: '0009-guards',

  async up({ queryInterface: qi }) {
    await qi.createTable(GUARDS_TABLE, {
      name: { type: DataTypes.STRING(64), primaryKey: true, allowNull: false },
      version: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    });
    await qi.bulkInsert(GUARDS_TABLE, [{ name: 'admins', version: 0 }]);
  },

  async down({ queryInterface: qi }) {
    await qi.dropTable(GUARDS_TABLE);
  },
};
