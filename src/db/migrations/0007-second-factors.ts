import { DataTypes } from 'sequelize';
import type { Migration } from './migration.js';

/*
 * Second factors: an authenticator app (TOTP) per user, its recovery codes, and the pending
 * signins that wait for a second factor. Sessions remember how their signin was proven (`amr`),
 * so that refreshed access tokens say the same; sessions from before have none (a password).
 */

const TIME = DataTypes.DATE(3);
const userReference = {
  type: DataTypes.INTEGER,
  allowNull: false,
  references: { model: 'users', key: 'id' },
  onDelete: 'CASCADE',
  onUpdate: 'CASCADE',
} as const;

export const secondFactorsSchema: Migration = {
  name: '0007-second-factors',

  async up({ queryInterface: qi }) {
    await qi.addColumn('sessions', 'amr', { type: DataTypes.STRING(64), allowNull: true });

    await qi.createTable('totp_factors', {
      userId: { ...userReference, primaryKey: true },
      // The base32 secret, sealed (AES-256-GCM) under a key derived from AUTH_SECRET.
      secret: { type: DataTypes.TEXT, allowNull: false },
      // Null while the setup waits for its first code.
      confirmedAt: { type: TIME, allowNull: true },
      // The last accepted time step: that step and earlier ones are refused (replay).
      lastStep: { type: DataTypes.INTEGER, allowNull: true },
      createdAt: { type: TIME, allowNull: false },
    });

    await qi.createTable('recovery_codes', {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true, allowNull: false },
      userId: userReference,
      codeHash: { type: DataTypes.STRING(64), allowNull: false },
      usedAt: { type: TIME, allowNull: true },
      createdAt: { type: TIME, allowNull: false },
    });
    await qi.addIndex('recovery_codes', ['userId', 'codeHash'], { name: 'recovery_codes_user_code' });

    await qi.createTable('mfa_challenges', {
      id: { type: DataTypes.STRING(32), primaryKey: true, allowNull: false },
      secretHash: { type: DataTypes.STRING(64), allowNull: false },
      userId: userReference,
      // What the first step proved, e.g. "pwd".
      amr: { type: DataTypes.STRING(64), allowNull: false },
      attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      usedAt: { type: TIME, allowNull: true },
      expiresAt: { type: TIME, allowNull: false },
      createdAt: { type: TIME, allowNull: false },
    });
    await qi.addIndex('mfa_challenges', ['expiresAt'], { name: 'mfa_challenges_expires_at' });
  },

  async down() {
    // Only the tables and the column, which the migrator drops (or keeps when they hold data).
  },
  holds: [
    { table: 'mfa_challenges', what: 'signins waiting for a second factor' },
    { table: 'recovery_codes', what: 'recovery codes' },
    { table: 'totp_factors', what: 'authenticator apps: their accounts would sign in with a password alone' },
    { table: 'sessions', column: 'amr', what: 'how each session signed in' },
  ],
};
