import { DataTypes } from 'sequelize';
import type { Migration } from './migration.js';

/*
 * Mail: whether an account's address is verified (accounts that existed before count as
 * verified: they were in use already), the single-use links sent by mail (only their hashes),
 * and the outbox the background sender delivers from.
 */

const TIME = DataTypes.DATE(3);

export const mailSchema: Migration = {
  name: '0006-mail',

  async up({ queryInterface: qi }) {
    // Every existing row takes the default, true; new accounts set it explicitly.
    await qi.addColumn('users', 'emailVerified', { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true });

    await qi.createTable('email_tokens', {
      tokenHash: { type: DataTypes.STRING(64), primaryKey: true, allowNull: false },
      userId: {
        type: DataTypes.INTEGER,
        allowNull: false,
        references: { model: 'users', key: 'id' },
        onDelete: 'CASCADE',
        onUpdate: 'CASCADE',
      },
      purpose: { type: DataTypes.STRING(16), allowNull: false },
      /** The address the link was sent to and confirms. */
      email: { type: DataTypes.STRING(255), allowNull: false },
      createdAt: { type: TIME, allowNull: false },
      expiresAt: { type: TIME, allowNull: false },
      usedAt: { type: TIME, allowNull: true },
    });
    await qi.addIndex('email_tokens', ['userId', 'purpose'], { name: 'email_tokens_user_purpose' });
    await qi.addIndex('email_tokens', ['expiresAt'], { name: 'email_tokens_expires_at' });

    await qi.createTable('mail_outbox', {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true, allowNull: false },
      purpose: { type: DataTypes.STRING(32), allowNull: false },
      recipient: { type: DataTypes.STRING(255), allowNull: false },
      /** The recipient's lower-cased address, which the per-recipient limit counts by. */
      recipientKey: { type: DataTypes.STRING(255), allowNull: false },
      userId: { type: DataTypes.INTEGER, allowNull: true },
      /** JSON: what the message needs besides the account (never a token). */
      payload: { type: DataTypes.TEXT, allowNull: true },
      status: { type: DataTypes.STRING(16), allowNull: false },
      attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      nextAttemptAt: { type: TIME, allowNull: false },
      claimedBy: { type: DataTypes.STRING(64), allowNull: true },
      claimedUntil: { type: TIME, allowNull: true },
      lastError: { type: DataTypes.STRING(255), allowNull: true },
      createdAt: { type: TIME, allowNull: false },
      finishedAt: { type: TIME, allowNull: true },
    });
    await qi.addIndex('mail_outbox', ['status', 'nextAttemptAt'], { name: 'mail_outbox_status_next' });
    await qi.addIndex('mail_outbox', ['recipientKey', 'purpose', 'createdAt'], { name: 'mail_outbox_recipient_purpose' });
  },

  async down() {
    // Only the tables and the column, which the migrator drops (or keeps when they hold data).
  },
  holds: [
    { table: 'mail_outbox', what: 'sent and waiting mail' },
    { table: 'email_tokens', what: 'verification and reset links' },
    { table: 'users', column: 'emailVerified', equals: false, what: 'unverified addresses: they would count as verified' },
  ],
};
