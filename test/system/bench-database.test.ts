import { createConnection } from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { benchDatabaseName, createBenchDatabase } from '../../bench/bench-database.js';

const SERVER = process.env.TEST_MARIADB_URL ?? 'mariadb://root@127.0.0.1:3306';

async function databases(): Promise<string[]> {
  const url = new URL(SERVER);
  const connection = await createConnection({ host: url.hostname, port: Number(url.port || 3306), user: url.username || 'root' });
  const [rows] = await connection.query('SHOW DATABASES');
  await connection.end();
  return (rows as { Database: string }[]).map((r) => r.Database);
}

describe('the bench database (npm run bench, without running the bench)', () => {
  it('has a name of its own, is created on the MariaDB server and dropped again', async () => {
    expect(benchDatabaseName()).toMatch(/^tokengate_bench_[0-9a-f]{8}$/);
    expect(benchDatabaseName()).not.toBe(benchDatabaseName());
    const db = await createBenchDatabase(SERVER);
    expect(db).toBeDefined();
    expect(db!.url).toMatch(new RegExp(`/${db!.name}$`));
    expect(db!.where).toMatch(/^MariaDB at 127\.0\.0\.1:3306, database tokengate_bench_/);
    expect(await databases()).toContain(db!.name);
    await db!.drop();
    expect(await databases()).not.toContain(db!.name);
  });

  it('is undefined when no server answers', async () => {
    expect(await createBenchDatabase('mariadb://root@127.0.0.1:1')).toBeUndefined();
  });
});
