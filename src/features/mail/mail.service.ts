import type { Transaction } from 'sequelize';
import { purgeInBatches } from '../../lib/batches.js';
import type { Clock } from '../../lib/clock.js';
import { randomToken } from '../../lib/crypto.js';
import { emailKey } from '../../lib/identity.js';
import type { Logger } from '../../lib/logger.js';
import { createMailMetrics, type MailMetrics } from './mail.metrics.js';
import type { MailMessage, MailTransport } from './mail-transport.js';
import type { OutboxEntry, OutboxRepository } from './outbox.repository.js';

export type { OutboxEntry } from './outbox.repository.js';

/*
 * Mail that is never lost and never blocks a request. A request only writes an outbox row, in
 * its own transaction; the background sender claims due rows, asks the composer what to send
 * (the flows feature resolves the account and makes the link's token at that moment), sends,
 * and on failure retries with backoff for at least a day. Several instances share the outbox:
 * a claim is a lease on the row, so one message has one sender at a time.
 */

export interface MailIntent {
  /** Why the mail is sent; the per-recipient limit counts by it. */
  purpose: string;
  recipient: string;
  userId?: number | undefined;
  /** Values the message needs later (never a secret: the row is stored as it is). */
  payload?: Record<string, unknown> | undefined;
}

export interface ComposedMail {
  message: Omit<MailMessage, 'to'>;
  /** Runs once the message is sent (e.g. its audit event). */
  onSent?: () => Promise<void>;
}

/** What to send for an outbox entry, or null when nothing should be (the entry is dropped). */
export type MailComposer = (entry: OutboxEntry) => Promise<ComposedMail | null>;

export interface MailTiming {
  /** How often each instance looks for due mail (new mail is sent at once on its own instance). */
  pollMs: number;
  /** The first retry waits this long, each next one twice as long, up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Failing this long after it was queued, a message is given up. */
  retryWindowMs: number;
  /** How long a claim holds: longer than the transport's longest wait. */
  leaseMs: number;
}

export const DEFAULT_MAIL_TIMING: MailTiming = {
  pollMs: 5_000,
  retryBaseMs: 10_000,
  retryMaxMs: 30 * 60_000,
  retryWindowMs: 24 * 3600_000,
  leaseMs: 2 * 60_000,
};

/** At most this many mails per recipient and purpose in the window; further requests send nothing. */
export const MAILS_PER_RECIPIENT = 3;
export const RECIPIENT_WINDOW_MS = 15 * 60_000;
/** Settled outbox rows are kept this long (for support questions), then purged. */
const SETTLED_RETENTION_MS = 7 * 24 * 3600_000;
const CLAIM_BATCH = 20;

export interface DeliveryReport {
  sent: number;
  dropped: number;
  failed: number;
  retried: number;
}

export interface MailService {
  /**
   * Queues a mail, inside `trx` when given (it then exists only if the change commits), unless
   * the recipient had the limit of this purpose already. The same work either way; returns
   * whether it was queued.
   */
  queue(intent: MailIntent, trx?: Transaction): Promise<boolean>;
  /** Sends what is due; the background sender's run. */
  deliver(): Promise<DeliveryReport>;
  /** Deletes settled rows past their retention. */
  purge(): Promise<number>;
  /** Called when mail was queued (and committed), to send it without waiting for the next poll. */
  onQueued(listener: () => void): void;
  readonly metrics: MailMetrics;
  readonly timing: MailTiming;
  /** How mail leaves: over SMTP, or as files (no SMTP_URL). */
  readonly transport: MailTransport['kind'];
  close(): void;
}

export interface MailServiceDeps {
  outbox: OutboxRepository;
  transport: MailTransport;
  compose: MailComposer;
  clock: Clock;
  logger: Logger;
  timing?: Partial<MailTiming> | undefined;
}

export function createMailService({ outbox, transport, compose, clock, logger, timing: overrides }: MailServiceDeps): MailService {
  const timing = { ...DEFAULT_MAIL_TIMING, ...overrides };
  const instance = randomToken(9);
  const metrics = createMailMetrics(() => outbox.countWaiting());
  const listeners: Array<() => void> = [];
  const notify = () => listeners.forEach((listener) => listener());

  // Claims of this instance's runs that failed before settling each of their entries: the
  // database went away after the claim (a failover), so neither the send nor the retry could be
  // recorded. The next run releases them first, so their mail goes out once the database is
  // back instead of when the lease runs out (`leaseMs`, minutes). Only ended runs' claims are
  // here: a run in progress (deliver() may run twice at once) keeps its own. An instance that
  // dies mid-run still leaves its claims to the lease.
  const stranded = new Set<string>();
  async function releaseStranded(): Promise<void> {
    for (const claim of stranded) {
      const released = await outbox.release(claim);
      stranded.delete(claim);
      if (released > 0) logger.info({ claim, released }, 'mail claimed by a failed run released for sending');
    }
  }

  const retryDelay = (attempts: number) => Math.min(timing.retryBaseMs * 2 ** Math.min(attempts, 30), timing.retryMaxMs);

  async function failed(entry: OutboxEntry, claim: string, error: unknown): Promise<keyof DeliveryReport> {
    const now = clock.now();
    const reason = error instanceof Error ? error.message : String(error);
    if (now - entry.createdAt.getTime() >= timing.retryWindowMs) {
      logger.error({ err: error, mailId: entry.id, purpose: entry.purpose }, 'mail given up after retrying for a day');
      await outbox.finish(entry.id, claim, 'failed', new Date(now), reason);
      metrics.settled('failed');
      return 'failed';
    }
    metrics.attemptFailed();
    const next = new Date(now + retryDelay(entry.attempts));
    logger.warn({ err: error, mailId: entry.id, purpose: entry.purpose, next }, 'mail not sent; will retry');
    await outbox.retryAt(entry.id, claim, next, reason);
    return 'retried';
  }

  async function deliverOne(entry: OutboxEntry, claim: string): Promise<keyof DeliveryReport> {
    let composed: ComposedMail | null;
    try {
      composed = await compose(entry);
      if (composed) await transport.send({ to: entry.recipient, ...composed.message });
    } catch (error) {
      return failed(entry, claim, error);
    }
    const outcome = composed ? 'sent' : 'dropped';
    // Sent but not recorded (the database failed just now): the claim runs out and the
    // message goes again. Rare, and a second mail beats a lost one.
    const recorded = await outbox.finish(entry.id, claim, outcome, new Date(clock.now()));
    // Counted as soon as the outcome is stored: whoever sees the row settled sees the count too.
    metrics.settled(outcome);
    if (recorded) await composed?.onSent?.();
    return outcome;
  }

  return {
    async queue(intent, trx) {
      const now = clock.now();
      const recipientKey = emailKey(intent.recipient);
      const recent = await outbox.countSince(recipientKey, intent.purpose, new Date(now - RECIPIENT_WINDOW_MS), trx);
      if (recent >= MAILS_PER_RECIPIENT) return false;
      await outbox.add({ ...intent, recipientKey }, new Date(now), trx);
      if (trx) trx.afterCommit(notify);
      else notify();
      return true;
    },

    async deliver() {
      const report: DeliveryReport = { sent: 0, dropped: 0, failed: 0, retried: 0 };
      await releaseStranded();
      for (;;) {
        const now = clock.now();
        const claim = `${instance}.${randomToken(6)}`;
        let entries: OutboxEntry[];
        try {
          entries = await outbox.claimDue(claim, new Date(now), new Date(now + timing.leaseMs), CLAIM_BATCH);
          for (const entry of entries) report[await deliverOne(entry, claim)] += 1;
        } catch (error) {
          // Even a failed claimDue may have committed its UPDATE and lost only the answer.
          stranded.add(claim);
          throw error;
        }
        if (entries.length < CLAIM_BATCH) return report;
      }
    },

    purge() {
      const before = new Date(clock.now() - SETTLED_RETENTION_MS);
      return purgeInBatches((limit) => outbox.purgeSettled(before, limit));
    },

    onQueued(listener) {
      listeners.push(listener);
    },

    metrics,
    timing,
    transport: transport.kind,
    close: () => transport.close(),
  };
}
