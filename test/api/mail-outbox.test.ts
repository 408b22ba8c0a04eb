import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { simpleParser } from 'mailparser';
import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import { createSmtpTransport } from '../../src/features/mail/mail-transport.js';
import { createMailService } from '../../src/features/mail/mail.service.js';
import { createOutboxRepository } from '../../src/features/mail/outbox.repository.js';
import { createPasswordHasher } from '../../src/features/passwords/password-hasher.js';
import { systemClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import { createUser, startApp, uniqueName, type TestApp } from '../helpers/app.js';
import { createTestDatabase } from '../helpers/databases.js';
import { outboxSettled } from '../helpers/mail.js';
import { startMailbox, type Mailbox } from '../helpers/mailbox.js';

let mailbox: Mailbox;

beforeAll(async () => {
  mailbox = await startMailbox();
});
afterAll(async () => {
  await mailbox.stop();
});

const forgot = (a: TestApp, email: string) => a.http().post('/api/auth/forgot-password').send({ email });

async function outboxRows(app: TestApp, recipient: string) {
  return app.db.sequelize.query<{ status: string; attempts: number }>(
    `SELECT status, attempts FROM mail_outbox WHERE recipient = :recipient`,
    { replacements: { recipient }, type: QueryTypes.SELECT },
  );
}

describe('the outbox', () => {
  it('keeps the mail while the SMTP server is down and delivers it when it is back', async () => {
    const app = await startApp({ env: { SMTP_URL: mailbox.url } });
    try {
      const user = await createUser(app);
      await mailbox.stop();
      await forgot(app, user.email).expect(202);
      // The sender tried, failed, and keeps the message for a later attempt.
      for (let rows = await outboxRows(app, user.email); !(rows[0] && rows[0].attempts >= 2); rows = await outboxRows(app, user.email)) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect((await outboxRows(app, user.email))[0]?.status).toBe('pending');
      await mailbox.start();
      const mail = await mailbox.next(user.email);
      expect(mail.subject).toMatch(/Reset your Tokengate password/);
      await outboxSettled(app);
      expect(await outboxRows(app, user.email)).toEqual([expect.objectContaining({ status: 'sent' })]);
      const metrics = (await app.http().get('/metrics').expect(200)).text;
      expect(metrics).toMatch(/^tokengate_mail_messages_total\{outcome="sent"\} 1$/m);
      expect(metrics).toMatch(/^tokengate_mail_send_failures_total [1-9]\d*$/m);
      expect(metrics).toMatch(/^tokengate_mail_waiting 0$/m);
    } finally {
      await app.close();
    }
  });

  it('with two instances on one database, each message arrives exactly once', async () => {
    const a = await startApp({ env: { SMTP_URL: mailbox.url } });
    const b = await startApp({ env: { SMTP_URL: mailbox.url }, database: a.database, mailTiming: { pollMs: 20 } });
    try {
      const users = await Promise.all(Array.from({ length: 12 }, () => createUser(a)));
      await Promise.all(users.map((user, i) => forgot(i % 2 ? a : b, user.email).expect(202)));
      // Both senders at once, besides their own background runs.
      await Promise.all([a.services.mail.deliver(), b.services.mail.deliver(), a.services.mail.deliver(), b.services.mail.deliver()]);
      await outboxSettled(a);
      for (const user of users) expect(mailbox.to(user.email)).toHaveLength(1);
    } finally {
      await b.close();
      await a.close();
    }
  });

  it('a message claimed by a run that lost the database goes out at the next run, not when its lease runs out', async () => {
    const logger = createLogger({ level: 'silent' });
    const database = await createTestDatabase();
    const db = createDatabase(database.url, logger);
    try {
      await migrateToLatest(db, logger);
      const outbox = createOutboxRepository(db);
      // A failover right after the claim committed: composing the message (its link's token is
      // written then) fails, and so does recording the retry, on the connection that died.
      let down = false;
      const lost = () => new Error('Connection lost: The server closed the connection.');
      const mail = createMailService({
        outbox: { ...outbox, retryAt: (...args) => (down ? Promise.reject(lost()) : outbox.retryAt(...args)) },
        transport: createSmtpTransport(mailbox.url, 'Tokengate <no-reply@localhost>'),
        compose: () => (down ? Promise.reject(lost()) : Promise.resolve({ message: { subject: 'After the failover', text: 'hello', html: '<p>hello</p>', links: [] } })),
        clock: systemClock,
        logger,
      });
      const recipient = `${uniqueName('failover')}@example.test`;
      expect(await mail.queue({ purpose: 'test', recipient })).toBe(true);
      down = true;
      await expect(mail.deliver()).rejects.toThrow(/Connection lost/);
      down = false;
      // The lease (leaseMs) is two minutes; the database is back now, and so is the message.
      expect(await mail.deliver()).toEqual({ sent: 1, dropped: 0, failed: 0, retried: 0 });
      expect((await mailbox.next(recipient)).subject).toBe('After the failover');
      mail.close();
    } finally {
      await db.close();
      await database.drop();
    }
  });

  it('purges settled messages after a week', async () => {
    const app = await startApp({ env: { SMTP_URL: mailbox.url } });
    try {
      const user = await createUser(app);
      await forgot(app, user.email).expect(202);
      await mailbox.next(user.email);
      await outboxSettled(app);
      expect(await app.services.mail.purge()).toBe(0);
      await app.db.sequelize.getQueryInterface().bulkUpdate('mail_outbox', { finishedAt: new Date(Date.now() - 8 * 86400_000) }, {});
      expect(await app.services.mail.purge()).toBeGreaterThanOrEqual(1);
      expect(await outboxRows(app, user.email)).toEqual([]);
    } finally {
      await app.close();
    }
  });
});

describe('no oracle: forgot-password and verification resend', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp({ env: { SMTP_URL: mailbox.url }, hasher: createPasswordHasher() });
  });
  afterAll(async () => {
    await app.close();
  });

  it.each([
    ['/api/auth/forgot-password', 202],
    ['/api/auth/verify-email/send', 202],
  ])('%s: same status, body and headers, comparable time (medians of interleaved tries), and no mail to unknown addresses', async (route, status) => {
    const known = await Promise.all(Array.from({ length: 2 }, () => createUser(app)));
    const unknown = [`${uniqueName('nobody')}@example.test`, `${uniqueName('nobody')}@example.test`];
    const kinds = { known: known.map((u) => u.email), unknown };
    const samples: Record<string, number[]> = { known: [], unknown: [] };
    const shapes = new Set<string>();
    for (let round = 0; round < 30; round++) {
      const order = (Object.keys(kinds) as Array<keyof typeof kinds>).sort(() => Math.random() - 0.5);
      for (const kind of order) {
        const started = performance.now();
        const res = await app.http().post(route).send({ email: kinds[kind][round % 2] });
        samples[kind]!.push(performance.now() - started);
        const headers = Object.keys(res.headers).filter((h) => !['date', 'x-request-id', 'ratelimit', 'ratelimit-policy'].includes(h)).sort();
        shapes.add(JSON.stringify([res.status, res.text, headers, res.headers['content-length']]));
      }
    }
    expect(shapes.size).toBe(1);
    expect(JSON.parse([...shapes][0]!)[0]).toBe(status);

    const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
    const medians = Object.values(samples).map(median);
    // Both do the same work by construction (queue an entry); the tolerance absorbs scheduling noise.
    const tolerance = Math.max(0.3 * Math.min(...medians), 5);
    expect(Math.max(...medians) - Math.min(...medians), `medians ${medians.map((m) => m.toFixed(1)).join(', ')} ms`).toBeLessThan(tolerance);

    await outboxSettled(app);
    for (const address of unknown) expect(mailbox.to(address)).toEqual([]);
    // Known addresses got mail, up to the per-recipient limit.
    for (const user of known) expect(mailbox.to(user.email).length).toBeGreaterThanOrEqual(1);
  });
});

describe('without SMTP_URL in development', () => {
  it('writes each message as an .eml file under <DATA_DIR>/mail/ and logs its link', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'tokengate-dev-'));
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const app = await startApp({ env: { NODE_ENV: 'development', DATA_DIR: dataDir }, logDestination: sink });
    try {
      const user = await createUser(app);
      await forgot(app, user.email).expect(202);
      await outboxSettled(app);
      const files = readdirSync(path.join(dataDir, 'mail'));
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/\.eml$/);
      const eml = await simpleParser(readFileSync(path.join(dataDir, 'mail', files[0]!)));
      expect(eml.to).toMatchObject({ value: [{ address: user.email }] });
      expect(eml.html).toMatch(/<a href="http:\/\/localhost:8080\/console\/reset-password/);
      const link = /http:\/\/localhost:8080\/console\/reset-password\?token=[\w-]{43}/.exec(eml.text ?? '')?.[0];
      expect(link).toBeDefined();
      expect(lines.join('')).toContain(`"links":["${link}"]`);
    } finally {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('MAIL_TEMPLATES_DIR', () => {
  it('replaces the built-in templates file by file, and refuses to start with an unknown variable', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tokengate-templates-'));
    try {
      writeFileSync(path.join(dir, 'reset-password.subject.txt'), '{{appName}}: a new password for {{username}}\n');
      writeFileSync(path.join(dir, 'reset-password.txt'), 'Go to {{link}} within {{expiresIn}}.\n');
      const app = await startApp({ env: { SMTP_URL: mailbox.url, MAIL_TEMPLATES_DIR: dir, APP_NAME: 'Widgets' } });
      try {
        const user = await createUser(app);
        await forgot(app, user.email).expect(202);
        const mail = await mailbox.next(user.email);
        expect(mail.subject).toBe(`Widgets: a new password for ${user.username}`);
        expect(mail.text).toMatch(/^Go to http:\/\/localhost:8080\/console\/reset-password\?token=[\w-]{43} within 1 hour\.$/m);
        expect(mail.html).toMatch(/ignore this mail/);
      } finally {
        await app.close();
      }
      writeFileSync(path.join(dir, 'verify-email.html'), '<p>{{linkk}}</p>');
      await expect(startApp({ env: { SMTP_URL: mailbox.url, MAIL_TEMPLATES_DIR: dir } })).rejects.toThrow(/unknown \{\{linkk\}\}/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
