import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import type { Express } from 'express';
import type { DestinationStream } from 'pino';
import request from 'supertest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.loader.js';
import type { Config } from '../../src/config/config.loader.js';
import { createDatabase, type Database } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import { createRedis } from '../../src/db/redis.js';
import { createHttpServer } from '../../src/http/server.js';
import type { MailTiming } from '../../src/features/mail/mail.service.js';
import { createPasswordHasher, type PasswordHasher } from '../../src/features/passwords/password-hasher.js';
import type { Clock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import type { Services } from '../../src/services.js';
import { createTestDatabase, type TestDatabase } from './databases.js';

/** argon2id with tiny costs: the same code path as production, fast enough for hundreds of signups. */
export const fastHasher: PasswordHasher = createPasswordHasher({ memoryCost: 256, timeCost: 1, parallelism: 1 });

/** A secret of the strength production requires (`openssl rand -base64 48`). */
export const TEST_SECRET = 'oA+z9ZQ6yjziRElWky+shsbcY3226Hb+qjfg8JFp4vVK3a+lA29W0oTSKZAkfs4g';

export interface TestAppOptions {
  /** Environment variables on top of the test defaults. */
  env?: Record<string, string>;
  clock?: Clock;
  /** Share the database of another test app (two instances on one database). */
  database?: TestDatabase;
  hasher?: PasswordHasher;
  logDestination?: DestinationStream;
  mailTiming?: Partial<MailTiming>;
}

/** Mail is polled and retried within a fraction of a second, so no test waits long for it. */
export const TEST_MAIL_TIMING: Partial<MailTiming> = { pollMs: 100, retryBaseMs: 100, retryMaxMs: 400 };

export interface TestApp {
  url: string;
  /** The Express application itself. */
  express: Express;
  config: Config;
  db: Database;
  database: TestDatabase;
  services: Services;
  /** A supertest client for this app. */
  http: () => ReturnType<typeof request>;
  close(): Promise<void>;
}

/** A real Tokengate on a real database, listening on a free port. */
export async function startApp(options: TestAppOptions = {}): Promise<TestApp> {
  const ownsDatabase = options.database === undefined;
  const database = options.database ?? (await createTestDatabase());
  // Each app's own data folder (mail written as files without SMTP_URL lands there), removed at close.
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tokengate-data-'));
  const { config } = loadConfig(
    {
      NODE_ENV: 'test',
      AUTH_SECRET: TEST_SECRET,
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      LOG_LEVEL: options.logDestination ? 'info' : 'silent',
      // Most suites sign in hundreds of times from one address; the abuse suite sets real limits.
      RATE_LIMIT_IP: '1000000',
      RATE_LIMIT_IP_FAILURES: '1000000',
      ACCOUNT_THROTTLE_AFTER: '0',
      HASH_MAX_WAIT: '60s',
      ...options.env,
    },
    process.cwd(),
  );
  const logger = createLogger({ level: config.log.level, destination: options.logDestination });
  const db = createDatabase(config.database.url, logger);
  await migrateToLatest(db, logger);
  const redis = config.redis.url ? await createRedis(config.redis.url, logger) : undefined;
  await redis?.connect();
  const tokengate = createApp({
    config,
    db,
    logger,
    redis,
    hasher: options.hasher ?? fastHasher,
    mailTiming: { ...TEST_MAIL_TIMING, ...options.mailTiming },
    ...(options.clock ? { clock: options.clock } : {}),
  });
  try {
    await tokengate.start();
  } catch (error) {
    await tokengate.stop();
    redis?.disconnect();
    await db.close();
    if (ownsDatabase) await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const server: Server = createHttpServer(tokengate.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    express: tokengate.app,
    config,
    db,
    database,
    services: tokengate.services,
    http: () => request(url),
    async close() {
      await tokengate.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      redis?.disconnect();
      await db.close();
      if (ownsDatabase) await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let counter = 0;

/** A username no other test uses. */
export function uniqueName(prefix = 'user'): string {
  counter += 1;
  return `${prefix}_${process.pid.toString(36)}${counter}${Math.random().toString(36).slice(2, 6)}`;
}

export interface TestUser {
  id: number;
  username: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
}

/** Creates an account with any roles (as the CLI would) and signs it in through HTTP. */
export async function createUser(app: TestApp, roles: string[] = ['user']): Promise<TestUser> {
  const username = uniqueName(roles.at(-1));
  const email = `${username}@example.test`;
  const password = `pw-${username}-secret`;
  const granted = await app.services.roleService.resolve(roles);
  const id = await app.services.userService.register({
    username,
    email,
    password,
    roleIds: granted.map((r) => r.id),
  });
  const res = await app.http().post('/api/auth/signin').send({ username, password }).expect(200);
  const body = res.body as { accessToken: string; refreshToken: string };
  return { id, username, email, password, accessToken: body.accessToken, refreshToken: body.refreshToken };
}

/** A clock that only moves when told to. */
export function manualClock(start = Date.now()): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
  };
}
