import { DataTypes } from 'sequelize';
import type { Migration } from './migration.js';

/*
 * Passkeys (WebAuthn credentials) per user, and the challenges of registrations and signins
 * waiting for the browser's answer. A credential id is unique across all users; it can be up to
 * 1023 bytes, so the unique index is on its SHA-256.
 */

const TIME = DataTypes.DATE(3);

export const passkeysSchema: Migration = {
  name: '0010-passkeys',

  async up({ queryInterface: qi }) {
    await qi.createTable('passkeys', {
      id: { type: DataTypes.STRING(32), primaryKey: true, allowNull: false },
      userId: {
        type: DataTypes.INTEGER,
        allowNull: false,
        references: { model: 'users', key: 'id' },
        onDelete: 'CASCADE',
        onUpdate: 'CASCADE',
      },
      credentialId: { type: DataTypes.TEXT, allowNull: false },
      credentialHash: { type: DataTypes.STRING(64), allowNull: false },
      publicKey: { type: DataTypes.TEXT, allowNull: false },
      counter: { type: DataTypes.BIGINT, allowNull: false, defaultValue: 0 },
      transports: { type: DataTypes.STRING(255), allowNull: true },
      name: { type: DataTypes.STRING(255), allowNull: false },
      createdAt: { type: TIME, allowNull: false },
      lastUsedAt: { type: TIME, allowNull: true },
    });
    await qi.addIndex('passkeys', ['credentialHash'], { name: 'passkeys_credential_hash', unique: true });
    await qi.addIndex('passkeys', ['userId'], { name: 'passkeys_user_id' });

    await qi.createTable('webauthn_challenges', {
      id: { type: DataTypes.STRING(32), primaryKey: true, allowNull: false },
      purpose: { type: DataTypes.STRING(16), allowNull: false },
      challengeHash: { type: DataTypes.STRING(64), allowNull: false },
      // Not a foreign key: a challenge outlives nothing, and the purge removes it within the hour.
      userId: { type: DataTypes.INTEGER, allowNull: true },
      mfaChallengeId: { type: DataTypes.STRING(32), allowNull: true },
      expiresAt: { type: TIME, allowNull: false },
      createdAt: { type: TIME, allowNull: false },
    });
    await qi.addIndex('webauthn_challenges', ['expiresAt'], { name: 'webauthn_challenges_expires_at' });
  },

  async down() {
    // Only the tables, which the migrator drops (or keeps when they hold data).
  },
  holds: [
    { table: 'webauthn_challenges', what: 'passkey ceremonies in progress' },
    { table: 'passkeys', what: 'passkeys: their owners would have to sign in with a password' },
  ],
};
