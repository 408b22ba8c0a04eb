import { QueryTypes } from 'sequelize';
import type { TestApp } from './app.js';

/** Waits until the outbox has nothing left to send (every entry sent, dropped or given up). */
export async function outboxSettled(app: TestApp, waitMs = 15_000): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const [row] = await app.db.sequelize.query<{ n: number | string }>(
      `SELECT COUNT(*) AS n FROM mail_outbox WHERE status = 'pending'`,
      { type: QueryTypes.SELECT },
    );
    if (Number(row?.n) === 0) return;
    if (Date.now() > deadline) throw new Error('the outbox did not settle');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Audit event types recorded for a user, in order. */
export async function auditTypesOf(app: TestApp, userId: number): Promise<string[]> {
  const target = app.db.sequelize.getQueryInterface().quoteIdentifier('targetId');
  const rows = await app.db.sequelize.query<{ type: string }>(`SELECT type FROM audit_events WHERE ${target} = :userId ORDER BY id`, {
    replacements: { userId },
    type: QueryTypes.SELECT,
  });
  return rows.map((r) => r.type);
}

/** Signs up through HTTP, as a tutorial front-end does. */
export async function signUp(app: TestApp, username: string, password = `pw-${username}-secret`) {
  const email = `${username}@example.test`;
  await app.http().post('/api/auth/signup').send({ username, email, password }).expect(200);
  return { username, email, password };
}
