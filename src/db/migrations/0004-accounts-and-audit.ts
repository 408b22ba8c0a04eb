import { DataTypes } from 'sequelize';
import type { Migration } from './migration.js';

/*
 * Disabled accounts (they cannot sign in or refresh), and the audit trail of security events
 * and administrative changes. Audit rows keep no foreign key, so they outlive the users they name.
 */
export const accountsAndAuditSchema: Migration = {
  name: '0004-accounts-and-audit',

  async up({ queryInterface: qi }) {
    await qi.addColumn('users', 'disabled', { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false });
    await qi.createTable('audit_events', {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true, allowNull: false },
      type: { type: DataTypes.STRING(64), allowNull: false },
      actorId: { type: DataTypes.INTEGER, allowNull: true },
      targetId: { type: DataTypes.INTEGER, allowNull: true },
      username: { type: DataTypes.STRING(255), allowNull: true },
      ip: { type: DataTypes.STRING(64), allowNull: true },
      userAgent: { type: DataTypes.STRING(255), allowNull: true },
      details: { type: DataTypes.TEXT, allowNull: true },
      createdAt: { type: DataTypes.DATE(3), allowNull: false },
    });
    await qi.addIndex('audit_events', ['createdAt'], { name: 'audit_events_created_at' });
    await qi.addIndex('audit_events', ['type', 'createdAt'], { name: 'audit_events_type_created_at' });
    await qi.addIndex('audit_events', ['targetId', 'createdAt'], { name: 'audit_events_target_created_at' });
    await qi.addIndex('audit_events', ['actorId', 'createdAt'], { name: 'audit_events_actor_created_at' });
  },

  async down() {
    // Only the table and the column, which the migrator drops (or keeps when they hold data).
  },
  holds: [
    { table: 'audit_events', what: 'the audit trail' },
    { table: 'users', column: 'disabled', equals: true, what: 'disabled accounts: they would be enabled again' },
  ],
};
