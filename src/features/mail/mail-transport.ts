import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createTransport } from 'nodemailer';
import type { Logger } from '../../lib/logger.js';

/*
 * How a message leaves: nodemailer over SMTP_URL, or, without it, nodemailer's stream transport
 * writing each message as an .eml file (the development default: `npm start` shows the whole
 * flow with no mail server; the links are logged too).
 */

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The links in the message, for the development log. */
  links: readonly string[];
}

export interface MailTransport {
  readonly kind: 'smtp' | 'file';
  /** Resolves when the server accepted the message (or the file is written); rejects otherwise. */
  send(message: MailMessage): Promise<void>;
  close(): void;
}

/** Bounded waits, all shorter than the sender's claim on a message, so a stuck server only delays. */
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000, dnsTimeout: 10_000 };

export function createSmtpTransport(url: string, from: string): MailTransport {
  const transporter = createTransport({ url, ...SMTP_TIMEOUTS }, { from });
  return {
    kind: 'smtp',
    async send({ to, subject, text, html }) {
      await transporter.sendMail({ to, subject, text, html });
    },
    close: () => transporter.close(),
  };
}

export interface FileTransportOptions {
  dir: string;
  from: string;
  logger: Logger;
  /** Log each message's links (development only: a reset link in a production log is a leak). */
  logLinks: boolean;
}

export function createFileTransport({ dir, from, logger, logLinks }: FileTransportOptions): MailTransport {
  const composer = createTransport({ streamTransport: true, buffer: true, newline: 'unix' }, { from });
  return {
    kind: 'file',
    async send({ to, subject, text, html, links }) {
      const info = await composer.sendMail({ to, subject, text, html });
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const file = path.join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}.eml`);
      await writeFile(file, info.message as Buffer, { mode: 0o600 });
      if (logLinks) logger.info({ to, subject, file, links }, `mail to ${to} written to ${file}`);
      else logger.info({ to, subject, file }, `mail to ${to} written to ${file} (SMTP_URL is not set)`);
    },
    close: () => composer.close(),
  };
}
