import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { QueryTypes } from 'sequelize';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/db/database.js';
import { migrations } from '../../src/db/migrations/index.js';
import { createLogger } from '../../src/lib/logger.js';
import { TEST_SECRET } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startServer, type ServerProcess } from '../helpers/processes.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

describe('several instances starting at once on an empty database', () => {
  it('all come up; each migration runs once; one signing key', async () => {
    const database: TestDatabase = await createTestDatabase();
    cleanup.push(() => database.drop());
    const cwd = mkdtempSync(path.join(tmpdir(), 'tokengate-concurrent-'));
    cleanup.push(() => rmSync(cwd, { recursive: true, force: true }));

    const env = { DATABASE_URL: database.url, AUTH_SECRET: TEST_SECRET };
    const servers: ServerProcess[] = await Promise.all([1, 2, 3].map(() => startServer({ cwd, env })));
    for (const server of servers) cleanup.push(async () => void (await server.stop('SIGTERM')));

    for (const server of servers) await request(server.url).get('/readyz').expect(200);
    const account = { username: 'concurrent', email: 'concurrent@example.test', password: 'a-long-password' };
    await request(servers[0]!.url).post('/api/auth/signup').send(account).expect(200);
    for (const server of servers) await request(server.url).post('/api/auth/signin').send(account).expect(200);

    const db = createDatabase(database.url, createLogger({ level: 'silent' }));
    try {
      const applied = await db.sequelize.query<{ name: string }>('SELECT name FROM tokengate_migrations', { type: QueryTypes.SELECT });
      expect(applied.map((m) => m.name).sort()).toEqual(migrations.map((m) => m.name).sort());
      const keys = await db.sequelize.query('SELECT kid FROM signing_keys', { type: QueryTypes.SELECT });
      expect(keys).toHaveLength(1);
      const ran = servers.filter((s) => /database migrated/.test(s.output()));
      expect(ran).toHaveLength(1);
    } finally {
      await db.close();
    }
  });
});
