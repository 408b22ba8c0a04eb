import { DataTypes } from 'sequelize';
import type { Migration } from './migration.js';

/*
 * Asymmetric signing keys, shared by every instance. `generation` orders them and makes a
 * concurrent first start or rotation insert exactly one key per generation. Private keys are
 * stored encrypted with AUTH_SECRET.
 */
export const signingKeysSchema: Migration = {
  name: '0003-signing-keys',

  async up({ queryInterface: qi }) {
    await qi.createTable('signing_keys', {
      kid: { type: DataTypes.STRING(64), primaryKey: true, allowNull: false },
      generation: { type: DataTypes.INTEGER, allowNull: false },
      alg: { type: DataTypes.STRING(16), allowNull: false },
      publicJwk: { type: DataTypes.TEXT, allowNull: false },
      privateKey: { type: DataTypes.TEXT, allowNull: false },
      createdAt: { type: DataTypes.DATE(3), allowNull: false },
      activatesAt: { type: DataTypes.DATE(3), allowNull: false },
    });
    await qi.addIndex('signing_keys', ['generation'], { unique: true, name: 'signing_keys_generation_unique' });
  },

  async down() {
    // Only the table, which the migrator drops (or keeps when it holds keys).
  },
  holds: [{ table: 'signing_keys', what: 'signing keys: tokens they signed stop verifying' }],
};
