import { DataTypes, QueryTypes } from 'sequelize';
import { emailKey, usernameKey } from '../../lib/identity.js';
import { MigrationConflictError, type Migration, type MigrationContext } from './migration.js';

/*
 * The tutorial's schema (users, roles, user_roles), created when absent and adopted in place
 * when the tutorial's server already made it: every user, role and assignment is kept. On top
 * of it: the normalized username and email keys with unique indexes, and the built-in roles.
 */

export const builtinRoles = [
  { id: 1, name: 'user' },
  { id: 2, name: 'moderator' },
  { id: 3, name: 'admin' },
] as const;

const REQUIRED_USER_COLUMNS = ['id', 'username', 'email', 'password'];

interface UserIdentityRow {
  id: number;
  username: string | null;
  email: string | null;
}

interface RoleIdentityRow {
  id: number;
  name: string | null;
}

/** A binary collation on MySQL/MariaDB: the keys are normalized already and must compare exactly. */
function keyColumnType({ dialect }: MigrationContext) {
  return dialect === 'mysql'
    ? 'VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin'
    : DataTypes.STRING(255);
}

const timestamps = {
  createdAt: { type: DataTypes.DATE, allowNull: false },
  updatedAt: { type: DataTypes.DATE, allowNull: false },
};

async function createTutorialTables(ctx: MigrationContext, existing: Set<string>): Promise<void> {
  const qi = ctx.queryInterface;
  if (!existing.has('users')) {
    await qi.createTable('users', {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true, allowNull: false },
      username: { type: DataTypes.STRING(255), allowNull: false },
      email: { type: DataTypes.STRING(255), allowNull: false },
      password: { type: DataTypes.STRING(255), allowNull: false },
      ...timestamps,
    });
  }
  if (!existing.has('roles')) {
    await qi.createTable('roles', {
      id: { type: DataTypes.INTEGER, primaryKey: true, allowNull: false },
      name: { type: DataTypes.STRING(255), allowNull: false },
      ...timestamps,
    });
  }
  if (!existing.has('user_roles')) {
    const reference = (table: string) => ({
      type: DataTypes.INTEGER,
      primaryKey: true,
      allowNull: false,
      references: { model: table, key: 'id' },
      onDelete: 'CASCADE',
      onUpdate: 'CASCADE',
    });
    await qi.createTable('user_roles', { ...timestamps, roleId: reference('roles'), userId: reference('users') });
  }
}

async function selectAll<T extends object>(ctx: MigrationContext, table: string, columns: string[]): Promise<T[]> {
  const q = (name: string) => ctx.queryInterface.quoteIdentifier(name);
  const sql = `SELECT ${columns.map(q).join(', ')} FROM ${q(table)} ORDER BY ${q('id')}`;
  return ctx.sequelize.query<T>(sql, { type: QueryTypes.SELECT });
}

/** Describes each group of rows that share one key, e.g. `username "bob": user 3 ("Bob"), user 7 ("bob")`. */
function clashes<T extends { id: number }>(
  rows: T[],
  label: string,
  value: (row: T) => string | null,
  key: (value: string) => string,
): string[] {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const raw = value(row);
    if (raw === null) continue;
    const k = key(raw);
    groups.set(k, [...(groups.get(k) ?? []), row]);
  }
  return [...groups]
    .filter(([, group]) => group.length > 1)
    .map(([k, group]) => `${label} "${k}": ${group.map((r) => `#${r.id} (${JSON.stringify(value(r))})`).join(', ')}`);
}

function roleProblems(roles: RoleIdentityRow[]): string[] {
  const problems = clashes(roles, 'role name', (r) => r.name, (n) => n);
  for (const builtin of builtinRoles) {
    const sameId = roles.find((r) => r.id === builtin.id);
    const sameName = roles.find((r) => r.name === builtin.name);
    if (!sameName && sameId) {
      problems.push(`role id ${builtin.id} must be "${builtin.name}" but holds ${JSON.stringify(sameId.name)}`);
    }
  }
  return problems;
}

async function assertAdoptable(ctx: MigrationContext, existing: Set<string>): Promise<UserIdentityRow[]> {
  if (!existing.has('users')) return [];
  const columns = Object.keys(await ctx.queryInterface.describeTable('users'));
  const missing = REQUIRED_USER_COLUMNS.filter((c) => !columns.includes(c));
  if (missing.length > 0) {
    throw new MigrationConflictError(
      `A "users" table exists but lacks the tutorial's columns ${missing.join(', ')}; ` +
        'point DATABASE_URL at the tutorial database or at an empty one. Nothing was changed.',
    );
  }
  const users = await selectAll<UserIdentityRow>(ctx, 'users', ['id', 'username', 'email']);
  const roles = existing.has('roles') ? await selectAll<RoleIdentityRow>(ctx, 'roles', ['id', 'name']) : [];
  const problems = [
    ...clashes(users, 'username', (u) => u.username, usernameKey),
    ...clashes(users, 'email', (u) => u.email, emailKey),
    ...roleProblems(roles),
  ];
  if (problems.length > 0) {
    throw new MigrationConflictError(
      'Cannot adopt the existing tables: usernames must be unique after NFKC normalization and ' +
        'lower-casing, emails after lower-casing, and role names must be unique. Rename or merge these ' +
        'rows, then migrate again. Nothing was changed.\n' +
        problems.map((p) => `  ${p}`).join('\n'),
    );
  }
  return users;
}

async function addIdentityKeys(ctx: MigrationContext, users: UserIdentityRow[]): Promise<void> {
  const qi = ctx.queryInterface;
  const columns = await qi.describeTable('users');
  for (const column of ['usernameNormalized', 'emailNormalized']) {
    if (!(column in columns)) await qi.addColumn('users', column, { type: keyColumnType(ctx), allowNull: true });
  }
  await ctx.sequelize.transaction(async (transaction) => {
    for (const user of users) {
      await qi.bulkUpdate(
        'users',
        {
          usernameNormalized: user.username === null ? null : usernameKey(user.username),
          emailNormalized: user.email === null ? null : emailKey(user.email),
        },
        { id: user.id },
        { transaction },
      );
    }
  });
  await qi.addIndex('users', ['usernameNormalized'], { unique: true, name: 'users_username_normalized_unique' });
  await qi.addIndex('users', ['emailNormalized'], { unique: true, name: 'users_email_normalized_unique' });
}

async function seedBuiltinRoles(ctx: MigrationContext): Promise<void> {
  const present = new Set((await selectAll<RoleIdentityRow>(ctx, 'roles', ['id', 'name'])).map((r) => r.name));
  const now = new Date();
  const missing = builtinRoles.filter((r) => !present.has(r.name));
  if (missing.length > 0) {
    await ctx.queryInterface.bulkInsert(
      'roles',
      missing.map((r) => ({ ...r, createdAt: now, updatedAt: now })),
    );
  }
  await ctx.queryInterface.addIndex('roles', ['name'], { unique: true, name: 'roles_name_unique' });
}

export const tutorialSchema: Migration = {
  name: '0001-tutorial-schema',

  async up(ctx) {
    const existing = new Set((await ctx.queryInterface.showAllTables()).map(String));
    // Every check runs before the first change, so a refused adoption leaves the database as it was.
    const users = await assertAdoptable(ctx, existing);
    if (existing.has('users')) ctx.logger.info({ users: users.length }, 'adopting the existing tutorial tables');
    await createTutorialTables(ctx, existing);
    await addIdentityKeys(ctx, users);
    await seedBuiltinRoles(ctx);
  },

  /** Returns the schema to the tutorial's own: keeps every table and row, drops Tokengate's additions. */
  async down(ctx) {
    const qi = ctx.queryInterface;
    await qi.removeIndex('roles', 'roles_name_unique');
    await qi.removeIndex('users', 'users_email_normalized_unique');
    await qi.removeIndex('users', 'users_username_normalized_unique');
    for (const column of ['usernameNormalized', 'emailNormalized']) {
      // Plain DROP COLUMN: Sequelize's SQLite emulation rebuilds the table, which would cascade.
      await ctx.sequelize.query(`ALTER TABLE ${qi.quoteIdentifier('users')} DROP COLUMN ${qi.quoteIdentifier(column)}`);
    }
  },
};
