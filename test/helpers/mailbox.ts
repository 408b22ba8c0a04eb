import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/*
 * A real SMTP server in the test process (nodemailer's smtp-server), whose messages are parsed
 * with mailparser. Tokengate reaches it through SMTP_URL, as it would reach a hosted provider.
 * It can be stopped and started again on the same port, to play an outage.
 */

export interface ReceivedMail {
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  /** The token of the first link in the text part, if any. */
  token: string | undefined;
  /** Every link in the text part. */
  links: string[];
  parsed: ParsedMail;
  /** When it arrived (Date.now()). */
  at: number;
}

export interface Mailbox {
  /** SMTP_URL for the app. */
  url: string;
  readonly received: ReceivedMail[];
  /** The next message to `address` not yet taken (waits for it; fails after `waitMs`, so a missing mail cannot hang a test). */
  next(address: string, waitMs?: number): Promise<ReceivedMail>;
  /** Messages to `address` so far. */
  to(address: string): ReceivedMail[];
  stop(): Promise<void>;
  start(): Promise<void>;
}

function toMail(parsed: ParsedMail, envelopeTo: string[]): ReceivedMail {
  const text = parsed.text ?? '';
  const links = [...text.matchAll(/https?:\/\/\S+/g)].map((m) => m[0]);
  const token = links.map((link) => new URL(link).searchParams.get('token')).find((t) => t !== null) ?? undefined;
  return {
    to: envelopeTo,
    from: parsed.from?.text ?? '',
    subject: parsed.subject ?? '',
    text,
    html: typeof parsed.html === 'string' ? parsed.html : '',
    token,
    links,
    parsed,
    at: Date.now(),
  };
}

export async function startMailbox(): Promise<Mailbox> {
  const received: ReceivedMail[] = [];
  const taken = new Set<ReceivedMail>();
  const waiters = new Set<() => void>();
  let port = 0;
  let server: SMTPServer | undefined;

  async function listen(): Promise<void> {
    const smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      closeTimeout: 100,
      onData(stream, session, callback) {
        simpleParser(stream)
          .then((parsed) => {
            received.push(toMail(parsed, session.envelope.rcptTo.map((r) => r.address.toLowerCase())));
            for (const wake of waiters) wake();
            callback();
          })
          .catch(callback);
      },
    });
    await new Promise<void>((resolve, reject) => {
      smtp.once('error', reject);
      smtp.listen(port, '127.0.0.1', () => resolve());
    });
    port = (smtp.server.address() as AddressInfo).port;
    server = smtp;
  }

  await listen();
  const pending = (address: string) => received.filter((m) => m.to.includes(address.toLowerCase()) && !taken.has(m));

  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    to: (address) => received.filter((m) => m.to.includes(address.toLowerCase())),
    async next(address, waitMs = 15_000) {
      const deadline = Date.now() + waitMs;
      for (;;) {
        const mail = pending(address)[0];
        if (mail) {
          taken.add(mail);
          return mail;
        }
        if (Date.now() > deadline) throw new Error(`no mail to ${address} arrived`);
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiters.delete(wake);
            clearTimeout(timer);
            resolve();
          };
          const timer = setTimeout(wake, 100);
          waiters.add(wake);
        });
      }
    },
    async stop() {
      const smtp = server;
      server = undefined;
      await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
    },
    start: listen,
  };
}
