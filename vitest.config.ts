import { randomBytes } from 'node:crypto';
import { defineConfig } from 'vitest/config';

/*
 * Projects: "unit" (no server) and "system" (whole processes: start, shutdown, workers, a
 * database outage) run once; each dialect in TEST_DIALECTS (default: sqlite) runs the whole
 * API suite against a real database of that kind.
 * Example: TEST_DIALECTS=sqlite,mysql,mariadb,postgres npm test
 * "cluster" (a Galera cluster behind HAProxy, a node killed under load) runs only with
 * TEST_CLUSTER=1: `npm run test:cluster`.
 */
const dialects = (process.env.TEST_DIALECTS ?? 'sqlite')
  .split(',')
  .map((d) => d.trim())
  .filter(Boolean);

// One id per run names its test databases, so the run can remove what it left behind.
process.env.TEST_RUN_ID ??= randomBytes(3).toString('hex');

export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default', './test/helpers/dialect-reporter.ts'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'system', include: ['test/system/**/*.test.ts'] } },
      ...(process.env.TEST_CLUSTER === '1' ? [{ extends: true as const, test: { name: 'cluster', include: ['test/cluster/**/*.test.ts'], testTimeout: 180_000 } }] : []),
      ...dialects.map((dialect) => ({
        extends: true as const,
        test: {
          name: dialect,
          include: ['test/api/**/*.test.ts'],
          env: { TEST_DIALECT: dialect },
          globalSetup: ['./test/helpers/global-setup.ts'],
        },
      })),
    ],
  },
});
