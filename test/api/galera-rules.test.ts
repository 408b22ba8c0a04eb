import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, startApp, type TestApp } from '../helpers/app.js';
import { currentDialect } from '../helpers/databases.js';

/*
 * What a Galera cluster requires of the schema and of transactions (DESIGN.md section 13),
 * checked on every dialect: each table has a primary key (Galera replicates rows by it), a
 * conflict at commit is retried, and the "last admin" rule holds under concurrent changes
 * without SELECT … FOR UPDATE (which Galera does not replicate).
 */

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app.close();
});

async function tablesWithoutPrimaryKey(): Promise<{ tables: string[]; without: string[] }> {
  const { db } = app;
  const select = <T extends object>(sql: string) => db.sequelize.query<T>(sql, { type: QueryTypes.SELECT });
  if (db.dialect === 'sqlite') {
    const tables = (await select<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")).map((t) => t.name);
    const without: string[] = [];
    for (const table of tables) {
      const columns = await select<{ pk: number }>(`PRAGMA table_info(${db.sequelize.getQueryInterface().quoteIdentifier(table)})`);
      if (!columns.some((c) => c.pk > 0)) without.push(table);
    }
    return { tables, without };
  }
  const schema = db.dialect === 'postgres' ? "'public'" : 'DATABASE()';
  const rows = await select<{ name: string; keyed: number | string }>(
    `SELECT t.table_name AS name,
            (SELECT COUNT(*) FROM information_schema.table_constraints c
              WHERE c.table_schema = t.table_schema AND c.table_name = t.table_name
                AND c.constraint_type = 'PRIMARY KEY') AS keyed
       FROM information_schema.tables t
      WHERE t.table_schema = ${schema} AND t.table_type = 'BASE TABLE'`,
  );
  return { tables: rows.map((r) => r.name), without: rows.filter((r) => Number(r.keyed) === 0).map((r) => r.name) };
}

describe('Galera rules', () => {
  it('every table has a primary key', async () => {
    const { tables, without } = await tablesWithoutPrimaryKey();
    // The check saw the whole schema, including the migration bookkeeping.
    expect(tables).toEqual(expect.arrayContaining(['users', 'user_roles', 'sessions', 'mail_outbox', 'tokengate_migrations', 'tokengate_guards']));
    expect(without).toEqual([]);
  });

  // SQLite runs this process's write transactions one at a time: they cannot deadlock there.
  const deadlockable = currentDialect() !== 'sqlite';
  if (deadlockable) it('a transaction that deadlocks with another is retried and both commit', async () => {
    const { db } = app;
    const qi = db.sequelize.getQueryInterface();
    await db.sequelize.query('CREATE TABLE deadlock_probe (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)');
    await qi.bulkInsert('deadlock_probe', [
      { id: 1, n: 0 },
      { id: 2, n: 0 },
    ]);
    const bump = (id: number, trx: Parameters<Parameters<typeof db.transaction>[0]>[0]) =>
      db.sequelize.query(`UPDATE deadlock_probe SET n = n + 1 WHERE id = ${id}`, { transaction: trx });

    // Each first attempt takes one row and then waits until the other has taken the other row.
    let taken = 0;
    const bothTaken = new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (taken >= 2) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    const attempts = { a: 0, b: 0 };
    const crossing = (name: 'a' | 'b', first: number, second: number) =>
      db.transaction(async (trx) => {
        attempts[name] += 1;
        await bump(first, trx);
        if (attempts[name] === 1) {
          taken += 1;
          await bothTaken;
        }
        await bump(second, trx);
      });
    await Promise.all([crossing('a', 1, 2), crossing('b', 2, 1)]);

    expect(attempts.a + attempts.b).toBeGreaterThanOrEqual(3);
    const rows = await db.sequelize.query<{ n: number }>('SELECT n FROM deadlock_probe ORDER BY id', { type: QueryTypes.SELECT });
    expect(rows.map((r) => Number(r.n))).toEqual([2, 2]);
  });

  it('two admins demoting each other at once: one succeeds, the other is refused as the last admin', async () => {
    const solo = await startApp();
    try {
      const [a, b] = [await createUser(solo, ['admin']), await createUser(solo, ['admin'])];
      const demote = (actor: typeof a, target: typeof a) =>
        solo.http().patch(`/api/admin/users/${target.id}`).set('x-access-token', actor.accessToken).send({ roles: ['user'] });
      const answers = await Promise.all([demote(a, b), demote(b, a)]);
      expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
      expect(answers.find((r) => r.status === 409)?.body).toMatchObject({ code: 'LAST_ADMIN' });
      // Exactly one admin remains: the one whose demotion was refused.
      const roles = await Promise.all([a, b].map(async (u) => (await solo.services.userService.get(u.id)).roles));
      expect(roles.filter((r) => r.includes('admin'))).toHaveLength(1);
    } finally {
      await solo.close();
    }
  });
});
