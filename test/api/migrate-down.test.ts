import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, TEST_SECRET, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { runCli } from '../helpers/processes.js';
import { migrations } from '../../src/db/migrations/index.js';

let database: TestDatabase;
let app: TestApp;
let cwd: string;

const cli = (args: string[]) => runCli(args, { cwd, env: { DATABASE_URL: database.url, AUTH_SECRET: TEST_SECRET } });
const count = async (table: string) =>
  Number(
    (
      await app.db.sequelize.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${app.db.sequelize.getQueryInterface().quoteIdentifier(table)}`, {
        type: QueryTypes.SELECT,
      })
    )[0]!.n,
  );
const names = migrations.map((migration) => migration.name);
const latest = names.at(-1)!;
/** The migrations after 0004 (mail, second factors, …), newest first: undone before it. */
const after0004 = names.slice(names.indexOf('0004-accounts-and-audit') + 1).reverse();
const applied = async () => (await cli(['migrate', 'status'])).stdout.match(/^applied\s+\S+/gm)?.length ?? 0;

beforeAll(async () => {
  database = await createTestDatabase();
  cwd = mkdtempSync(path.join(tmpdir(), 'tokengate-migrate-down-'));
  // A running server, as in production: it keeps serving while an operator migrates.
  app = await startApp({ database });
  await cli(['users:create', '--username', 'root', '--email', 'root@example.test', '--role', 'admin', '--password', 'root-password-1']);
  await cli(['users:create', '--username', 'bob', '--email', 'bob@example.test', '--password', 'bob-password-1']);
  await cli(['users:disable', '--username', 'bob']);
  await app.http().post('/api/auth/signin').send({ username: 'root', password: 'root-password-1' }).expect(200);
});
afterAll(async () => {
  await app.close();
  await database.drop();
  rmSync(cwd, { recursive: true, force: true });
});

describe('migrate down', () => {
  it('refuses without --yes when standard input is not a terminal, and changes nothing', async () => {
    const refused = await cli(['migrate', 'down']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`migrate down undoes ${latest}`));
    expect(refused.stderr).toMatch(/confirm on a terminal, or pass --yes/);
    expect(refused.stdout).toBe('');
    expect(await applied()).toBe(migrations.length);
  });

  it('with --yes keeps the tables and columns that hold data, and /readyz says 503 SCHEMA_BEHIND meanwhile', async () => {
    const sessions = await count('sessions');
    const audit = await count('audit_events');
    expect(sessions).toBeGreaterThan(0);
    expect(audit).toBeGreaterThan(2);

    for (const name of [...after0004, '0004-accounts-and-audit']) {
      const down = await cli(['migrate', 'down', '--yes']);
      expect(down.code, down.stderr).toBe(0);
      expect(down.stdout).toBe(`reverted  ${name}\n`);
    }
    const last = await cli(['migrate', 'down', '--yes']);
    expect(last.stderr).toMatch(/keeps \(it holds data; --drop deletes it\): table signing_keys .*, 1 row\(s\)/);
    expect(await applied()).toBe(2);

    const ready = await app.http().get('/readyz').expect(503);
    expect(ready.body.code).toBe('SCHEMA_BEHIND');
    expect(ready.body.pending).toEqual(names.slice(2));
    expect(ready.headers['retry-after']).toBe('5');

    const up = await cli(['migrate']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(new RegExp(`applied\\s+${latest}`));
    await app.http().get('/readyz').expect(200);

    expect(await count('sessions')).toBe(sessions);
    expect(await count('audit_events')).toBeGreaterThanOrEqual(audit);
    expect((await cli(['users:list', '--disabled', 'true'])).stdout).toMatch(/bob.*\(disabled\)/);
    await app.http().post('/api/auth/signin').send({ username: 'bob', password: 'bob-password-1' }).expect(401);
    await app.http().post('/api/auth/signin').send({ username: 'root', password: 'root-password-1' }).expect(200);
  });

  it('with --drop says what it deletes, and deletes it', async () => {
    for (const _ of after0004) expect((await cli(['migrate', 'down', '--yes'])).code).toBe(0);
    const down = await cli(['migrate', 'down', '--yes', '--drop']);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stderr).toMatch(/deletes: table audit_events \(the audit trail\), \d+ row\(s\)/);
    expect(down.stderr).toMatch(/deletes: users\.disabled \(disabled accounts: they would be enabled again\), 1 row\(s\)/);
    expect(await app.db.sequelize.getQueryInterface().tableExists('audit_events')).toBe(false);
    expect((await cli(['migrate'])).code).toBe(0);
    expect(await count('audit_events')).toBe(0);
  });
});
