import { QueryTypes } from 'sequelize';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/db/database.js';
import { migrations } from '../../src/db/migrations/index.js';
import { createMigrator, migrateToLatest } from '../../src/db/migrator.js';
import { createPasswordHasher } from '../../src/features/passwords/password-hasher.js';
import { createLogger } from '../../src/lib/logger.js';
import { startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { buildTutorialDatabase, tutorialSequelize, type TutorialUser } from '../helpers/tutorial-db.js';

const silent = createLogger({ level: 'silent' });
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()!();
});

async function tutorialDatabase(users: TutorialUser[]): Promise<TestDatabase> {
  const database = await createTestDatabase();
  cleanup.push(() => database.drop());
  await buildTutorialDatabase(database.url, users);
  return database;
}

async function rows<T extends object>(database: TestDatabase, sql: string): Promise<T[]> {
  const sequelize = tutorialSequelize(database.url);
  try {
    return await sequelize.query<T>(sql, { type: QueryTypes.SELECT });
  } finally {
    await sequelize.close();
  }
}

/** The role assignments as sorted `userId:roleId` pairs. */
async function assignments(database: TestDatabase): Promise<string[]> {
  const all = await rows<{ userId: number; roleId: number }>(database, 'SELECT * FROM user_roles');
  return all.map((r) => `${r.userId}:${r.roleId}`).sort();
}

const tutorialUsers: TutorialUser[] = [
  { username: 'mod', email: 'mod@bezkoder.com', password: '12345678', roles: ['moderator', 'user'] },
  { username: 'admin', email: 'admin@bezkoder.com', password: 'admin-pass', roles: ['admin', 'moderator', 'user'], variant: '2b' },
  // Tutorial-era accounts need not follow today's rules: a 6-character password, a space in the name.
  { username: 'old timer', email: 'Old@Example.com', password: '123456', roles: ['user'], variant: '2y' },
];

describe("adopting a database created by the tutorial's server", () => {
  it('keeps every user, role and assignment; old passwords work and are re-hashed with argon2id', async () => {
    const database = await tutorialDatabase(tutorialUsers);
    const assignmentsBefore = await assignments(database);
    expect(assignmentsBefore).toHaveLength(6);

    const app: TestApp = await startApp({ database, hasher: createPasswordHasher() });
    cleanup.push(() => app.close());

    const expectedRoles: Record<string, string[]> = {
      mod: ['ROLE_USER', 'ROLE_MODERATOR'],
      admin: ['ROLE_USER', 'ROLE_MODERATOR', 'ROLE_ADMIN'],
      'old timer': ['ROLE_USER'],
    };
    for (const user of tutorialUsers) {
      const res = await app.http().post('/api/auth/signin').send({ username: user.username, password: user.password });
      expect(res.status, user.username).toBe(200);
      expect(res.body.roles).toEqual(expectedRoles[user.username]);
      await app.http().post('/api/auth/signin').send({ username: user.username, password: 'not-the-password' }).expect(401);
    }
    const admin = await app.http().post('/api/auth/signin').send({ username: 'admin', password: 'admin-pass' });
    await app.http().get('/api/test/admin').set('Authorization', `Bearer ${admin.body.accessToken}`).expect(200);

    const users = await rows<{ username: string; password: string }>(database, 'SELECT username, password FROM users');
    expect(users).toHaveLength(3);
    for (const user of users) expect(user.password).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await rows(database, 'SELECT * FROM roles')).toHaveLength(3);
    expect(await assignments(database)).toEqual(assignmentsBefore);

    // After the upgrade, the same passwords still work, and the tutorial's unique rules hold.
    for (const user of tutorialUsers) {
      await app.http().post('/api/auth/signin').send({ username: user.username, password: user.password }).expect(200);
    }
    const taken = await app
      .http()
      .post('/api/auth/signup')
      .send({ username: 'MOD', email: 'new@example.com', password: 'long-enough' })
      .expect(400);
    expect(taken.body.message).toBe('Failed! Username is already in use!');
    const emailTaken = await app
      .http()
      .post('/api/auth/signup')
      .send({ username: 'newcomer', email: 'old@example.com', password: 'long-enough' })
      .expect(400);
    expect(emailTaken.body.message).toBe('Failed! Email is already in use!');
  });

  it('refuses to adopt names that clash once normalized, names them, and changes nothing', async () => {
    const database = await tutorialDatabase([
      { username: 'Bob', email: 'bob@example.com', password: 'password1', roles: ['user'] },
      { username: 'bob', email: 'bob2@example.com', password: 'password2', roles: ['user'] },
      { username: 'carol', email: 'Carol@Example.com', password: 'password3', roles: ['user'] },
      { username: 'carol2', email: 'carol@example.com', password: 'password4', roles: ['admin'] },
    ]);
    const before = await rows(database, 'SELECT * FROM users ORDER BY id');

    const db = createDatabase(database.url, silent);
    try {
      const failure = await migrateToLatest(db, silent).then(
        () => undefined,
        (error: unknown) => error,
      );
      const message = `${String(failure)} ${String((failure as Error | undefined)?.cause)}`;
      expect(message).toMatch(/username "bob": #1 \("Bob"\), #2 \("bob"\)/);
      expect(message).toMatch(/email "carol@example.com": #3 \("Carol@Example.com"\), #4 \("carol@example.com"\)/);
      expect(message).toMatch(/Nothing was changed/);

      const qi = db.sequelize.getQueryInterface();
      expect(Object.keys(await qi.describeTable('users')).sort()).toEqual(
        ['createdAt', 'email', 'id', 'password', 'updatedAt', 'username'].sort(),
      );
      expect(await qi.tableExists('tokengate_migrations')).toBe(false);
      expect(await qi.tableExists('tokengate_migration_lock')).toBe(false);
      expect(await rows(database, 'SELECT * FROM users ORDER BY id')).toEqual(before);

      // Once an operator resolves the clash, the same migration goes through.
      await qi.bulkUpdate('users', { username: 'bob_two' }, { id: 2 });
      await qi.bulkUpdate('users', { email: 'carol.two@example.com' }, { id: 4 });
      expect(await migrateToLatest(db, silent)).toEqual(migrations.map((m) => m.name));
    } finally {
      await db.close();
    }
  });

  it('migrates down to the tutorial schema without losing a row, and up again', async () => {
    const database = await tutorialDatabase(tutorialUsers);
    const db = createDatabase(database.url, silent);
    try {
      const migrator = createMigrator(db, silent);
      await migrator.up();
      await migrator.down({ to: 0 });
      const qi = db.sequelize.getQueryInterface();
      expect(Object.keys(await qi.describeTable('users'))).not.toContain('usernameNormalized');
      expect(await rows(database, 'SELECT * FROM users')).toHaveLength(3);
      expect(await rows(database, 'SELECT * FROM user_roles')).toHaveLength(6);
      await migrator.up();
      expect(await migrator.pending()).toEqual([]);
    } finally {
      await db.close();
    }
  });
});

describe('rows written behind Tokengate’s back', () => {
  it('a user inserted with plain SQL after the takeover signs in, and gets its normalized keys', async () => {
    const database = await tutorialDatabase(tutorialUsers);
    const app = await startApp({ database });
    cleanup.push(() => app.close());
    // What the tutorial's own server (still running beside Tokengate) would write: no normalized keys.
    const bcrypt = (await import('bcryptjs')).default;
    const qi = app.db.sequelize.getQueryInterface();
    const now = new Date();
    await qi.bulkInsert('users', [
      { username: 'Latecomer', email: 'Late@Example.com', password: bcrypt.hashSync('late-password', 8), createdAt: now, updatedAt: now },
    ]);
    const [row] = await app.db.sequelize.query<{ id: number }>(`SELECT id FROM users WHERE username = 'Latecomer'`, { type: QueryTypes.SELECT });
    await qi.bulkInsert('user_roles', [{ userId: row!.id, roleId: 1, createdAt: now, updatedAt: now }]);

    const signin = await app.http().post('/api/auth/signin').send({ username: 'latecomer', password: 'late-password' }).expect(200);
    expect(signin.body).toMatchObject({ username: 'Latecomer', roles: ['ROLE_USER'] });
    const q = (name: string) => qi.quoteIdentifier(name);
    const [keys] = await app.db.sequelize.query<{ u: string; e: string }>(
      `SELECT ${q('usernameNormalized')} AS u, ${q('emailNormalized')} AS e FROM users WHERE id = ${row!.id}`,
      { type: QueryTypes.SELECT },
    );
    expect(keys).toEqual({ u: 'latecomer', e: 'late@example.com' });
    // Now the unique keys see it: its name and address cannot be taken again.
    const clash = await app.http().post('/api/auth/signup').send({ username: 'LATECOMER', email: 'late@example.com', password: 'another-password' });
    expect(clash.body.message).toBe('Failed! Username is already in use!');
  });
});
