import { z } from 'zod';
import { baseUrl, duration, setting, text, type Setting } from '../setting.js';

export const EMAIL_VERIFICATION_MODES = ['off', 'optional', 'required'] as const;

/** A link template for mails: an http(s) URL containing {token}. */
const linkTemplate = z
  .string()
  .trim()
  .regex(/^https?:\/\/\S+$/i, { error: 'must be an http:// or https:// URL' })
  .refine((v) => v.includes('{token}'), { error: 'must contain {token}, where the link puts the token' });

/** How Tokengate presents itself, and the mail it sends. */
export const mailSettings = {
  APP_NAME: setting({
    schema: text,
    default: 'Tokengate',
    description: 'The product name that the console, mails and authenticator apps show (and the sender name of the default `MAIL_FROM`).',
  }),
  PUBLIC_URL: setting({
    schema: baseUrl,
    shown: '`http://localhost:<PORT>`',
    description:
      'Where people reach Tokengate: the base of the default links in mails. Behind a proxy that serves it under a path, that path too (`https://example.com/auth`): the docs page, the OpenAPI `servers` entry and the cookie paths then carry it ([Behind a reverse proxy](#behind-a-reverse-proxy)).',
  }),
  SMTP_URL: setting({
    schema: z
      .string()
      .trim()
      .regex(/^smtps?:\/\/\S+$/i, { error: 'must be an smtp:// or smtps:// URL, such as smtp://user:pass@smtp.example.com:587' }),
    shown: 'none',
    description:
      '`smtp://user:pass@host:587` (STARTTLS when the server offers it) or `smtps://user:pass@host:465`. Without it, mail is written as `.eml` files under `<DATA_DIR>/mail/` (development); production refuses to start without it when `EMAIL_VERIFICATION=required`.',
  }),
  MAIL_FROM: setting({
    schema: text,
    shown: '`<APP_NAME> <no-reply@localhost>`',
    description: 'The sender of every mail, e.g. `Example <no-reply@example.com>`.',
  }),
  EMAIL_VERIFICATION: setting({
    schema: z.enum(EMAIL_VERIFICATION_MODES, { error: 'must be off, optional or required' }),
    default: 'optional',
    description:
      '`optional`: signup sends a verification link, signin works either way. `required`: an unverified account cannot sign in (403 `EMAIL_NOT_VERIFIED`, only after a right password). `off`: no verification mail.',
  }),
  VERIFY_EMAIL_URL: setting({
    schema: linkTemplate,
    shown: '`<PUBLIC_URL>/console/verify-email?token={token}`',
    description: 'The link in verification and email-change mails; `{token}` is replaced. Point it at your own page to handle it there.',
  }),
  RESET_PASSWORD_URL: setting({
    schema: linkTemplate,
    shown: '`<PUBLIC_URL>/console/reset-password?token={token}`',
    description: 'The link in password-reset mails; `{token}` is replaced.',
  }),
  VERIFY_EMAIL_TTL: setting({
    schema: duration(300, 30 * 86400),
    default: '24h',
    description: 'How long a verification or email-change link works.',
  }),
  RESET_PASSWORD_TTL: setting({
    schema: duration(60, 86400),
    default: '1h',
    description: 'How long a password-reset link works.',
  }),
  MAIL_TEMPLATES_DIR: setting({
    schema: text,
    shown: 'none',
    description: 'A folder of mail templates that replace the built-in ones, file by file (README, "Mail templates").',
  }),
} as const satisfies Record<string, Setting>;
