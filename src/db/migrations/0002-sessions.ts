import { DataTypes } from 'sequelize';
import type { Migration } from './migration.js';

/*
 * Sessions (one per signin), their refresh tokens (only hashes; a rotated token is kept for a
 * while to detect its reuse), and revocations (read by every instance to refuse the access
 * tokens of ended sessions).
 */

const ID = DataTypes.STRING(32);
const TIME = DataTypes.DATE(3);

export const sessionsSchema: Migration = {
  name: '0002-sessions',

  async up({ queryInterface: qi }) {
    await qi.createTable('sessions', {
      id: { type: ID, primaryKey: true, allowNull: false },
      userId: {
        type: DataTypes.INTEGER,
        allowNull: false,
        references: { model: 'users', key: 'id' },
        onDelete: 'CASCADE',
        onUpdate: 'CASCADE',
      },
      createdAt: { type: TIME, allowNull: false },
      lastUsedAt: { type: TIME, allowNull: false },
      idleExpiresAt: { type: TIME, allowNull: false },
      expiresAt: { type: TIME, allowNull: false },
      revokedAt: { type: TIME, allowNull: true },
      revokedReason: { type: DataTypes.STRING(32), allowNull: true },
      userAgent: { type: DataTypes.STRING(255), allowNull: true },
      ip: { type: DataTypes.STRING(64), allowNull: true },
    });
    await qi.addIndex('sessions', ['userId'], { name: 'sessions_user_id' });
    await qi.addIndex('sessions', ['idleExpiresAt'], { name: 'sessions_idle_expires_at' });

    await qi.createTable('refresh_tokens', {
      id: { type: ID, primaryKey: true, allowNull: false },
      sessionId: {
        type: ID,
        allowNull: false,
        references: { model: 'sessions', key: 'id' },
        onDelete: 'CASCADE',
        onUpdate: 'CASCADE',
      },
      secretHash: { type: DataTypes.STRING(64), allowNull: false },
      createdAt: { type: TIME, allowNull: false },
      rotatedAt: { type: TIME, allowNull: true },
    });
    await qi.addIndex('refresh_tokens', ['sessionId'], { name: 'refresh_tokens_session_id' });
    await qi.addIndex('refresh_tokens', ['rotatedAt'], { name: 'refresh_tokens_rotated_at' });

    await qi.createTable('revocations', {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true, allowNull: false },
      sessionId: { type: ID, allowNull: false },
      expiresAt: { type: TIME, allowNull: false },
      createdAt: { type: TIME, allowNull: false },
    });
    await qi.addIndex('revocations', ['expiresAt'], { name: 'revocations_expires_at' });
  },

  async down() {
    // Only the tables, which the migrator drops (or keeps when they hold rows).
  },
  holds: [
    { table: 'revocations', what: 'ended sessions that instances still refuse' },
    { table: 'refresh_tokens', what: 'refresh tokens of the sessions' },
    { table: 'sessions', what: 'signed-in devices' },
  ],
};
