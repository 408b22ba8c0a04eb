import { Counter, Gauge, type Metric } from 'prom-client';

/*
 * Mail metrics, made here and registered by the ops feature in the app's registry: messages by
 * how they ended, failed attempts (each retried later), and messages waiting in the outbox.
 */

export interface MailMetrics {
  /** To register in the app's registry. */
  readonly all: Metric[];
  settled(outcome: 'sent' | 'dropped' | 'failed'): void;
  attemptFailed(): void;
}

export function createMailMetrics(countWaiting: () => Promise<number>): MailMetrics {
  const messages = new Counter({
    name: 'tokengate_mail_messages_total',
    help: 'Outbox messages by outcome: sent; dropped (nothing to send, e.g. no account has the address); failed (gave up after retrying for a day).',
    labelNames: ['outcome'],
    registers: [],
  });
  const failures = new Counter({
    name: 'tokengate_mail_send_failures_total',
    help: 'Attempts to send a message that failed (the message is retried with backoff).',
    registers: [],
  });
  const waiting = new Gauge({
    name: 'tokengate_mail_waiting',
    help: 'Messages in the outbox waiting to be sent (all instances).',
    registers: [],
    async collect() {
      // The database may be down: /metrics must still answer, with the last count.
      const count = await countWaiting().catch(() => undefined);
      if (count !== undefined) this.set(count);
    },
  });
  for (const outcome of ['sent', 'dropped', 'failed']) messages.inc({ outcome }, 0);
  return {
    all: [messages, failures, waiting],
    settled: (outcome) => messages.inc({ outcome }),
    attemptFailed: () => failures.inc(),
  };
}
