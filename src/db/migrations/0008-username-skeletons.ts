import { QueryTypes } from 'sequelize';
import { usernameSkeleton } from '../../lib/identity.js';
import type { Migration, MigrationContext } from './migration.js';

/*
 * The confusable skeleton of every username (Unicode TS #39), unique, so that a look-alike of an
 * existing name (a Cyrillic а for a Latin a, an invisible joiner) counts as taken at signup.
 * Accounts already in the database keep their names: where several existing names share a
 * skeleton, the oldest holds it and the others keep none (NULL), and no new look-alike of them
 * can be created, since it would clash with the oldest.
 */

const COLUMN = 'usernameSkeleton';
const INDEX = 'users_username_skeleton_unique';

function columnType({ dialect }: MigrationContext) {
  // Binary on MySQL/MariaDB: skeletons are computed keys and must compare exactly.
  return dialect === 'mysql' ? 'VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin' : 'VARCHAR(255)';
}

export const usernameSkeletonsSchema: Migration = {
  name: '0008-username-skeletons',

  async up(ctx) {
    const qi = ctx.queryInterface;
    const q = (name: string) => qi.quoteIdentifier(name);
    await qi.addColumn('users', COLUMN, { type: columnType(ctx), allowNull: true });
    const users = await ctx.sequelize.query<{ id: number; username: string | null }>(
      `SELECT ${q('id')}, ${q('username')} FROM ${q('users')} ORDER BY ${q('id')}`,
      { type: QueryTypes.SELECT },
    );
    const taken = new Set<string>();
    await ctx.sequelize.transaction(async (transaction) => {
      for (const user of users) {
        if (user.username === null) continue;
        const skeleton = usernameSkeleton(user.username);
        if (taken.has(skeleton)) continue;
        taken.add(skeleton);
        await qi.bulkUpdate('users', { [COLUMN]: skeleton }, { id: user.id }, { transaction });
      }
    });
    await qi.addIndex('users', [COLUMN], { unique: true, name: INDEX });
  },

  async down(ctx) {
    const qi = ctx.queryInterface;
    await qi.removeIndex('users', INDEX);
    // Plain DROP COLUMN: Sequelize's SQLite emulation rebuilds the table, which would cascade.
    await ctx.sequelize.query(`ALTER TABLE ${qi.quoteIdentifier('users')} DROP COLUMN ${qi.quoteIdentifier(COLUMN)}`);
  },
};
