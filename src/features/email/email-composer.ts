import type { Config } from '../../config/config.loader.js';
import { emailKey } from '../../lib/identity.js';
import type { RequestContext } from '../../lib/request-context.js';
import type { AuditLog } from '../audit/audit.service.js';
import { describeDuration, type MailTemplates, type RenderedMail, type TemplateName, type TemplateVariables } from '../mail/mail-templates.js';
import type { ComposedMail, MailComposer, OutboxEntry } from '../mail/mail.service.js';
import type { UserRecord, UserService } from '../users/user.service.js';
import type { EmailTokens } from './email-tokens.js';

/*
 * What the sender sends for each kind of outbox entry. The account is resolved here, when the
 * mail goes out, not when it was asked for: a request for an address without an account does
 * exactly what a request for a known one does (it queues an entry), and the entry is dropped
 * here. The link's token is made here too, so the outbox never holds one; a retry makes a new
 * token, which voids the one of the failed attempt.
 */

export const MAIL_PURPOSES = {
  verify: 'verify-email',
  reset: 'reset-password',
  change: 'confirm-email-change',
  notice: 'email-change-notice',
} as const;

export interface EmailComposerDeps {
  users: UserService;
  tokens: EmailTokens;
  templates: () => MailTemplates;
  audit: AuditLog;
  config: Config['mail'];
}

/** The request context an entry carries for its audit event. */
function contextIn(entry: OutboxEntry): RequestContext {
  const context = entry.payload.context as RequestContext | undefined;
  return { ip: context?.ip, userAgent: context?.userAgent };
}

const link = (template: string, token: string) => template.replaceAll('{token}', encodeURIComponent(token));

export function createEmailComposer({ users, tokens, templates, audit, config }: EmailComposerDeps): MailComposer {
  const ttl = { verify: describeDuration(config.verifyTtlSeconds), reset: describeDuration(config.resetTtlSeconds) };

  const mail = (rendered: RenderedMail, links: string[], onSent?: () => Promise<void>): ComposedMail => ({
    message: { ...rendered, links },
    ...(onSent ? { onSent } : {}),
  });
  const render = <N extends TemplateName>(name: N, variables: Omit<TemplateVariables<N>, 'appName'>) =>
    templates().render(name, { ...variables, appName: config.appName } as TemplateVariables<N>);
  const usable = (user: UserRecord | null): user is UserRecord => user !== null && !user.disabled;
  const sameAddress = (a: string, b: string) => emailKey(a) === emailKey(b);

  async function verification(entry: OutboxEntry): Promise<ComposedMail | null> {
    const user = entry.userId === null ? await users.findByEmail(entry.recipient) : await users.findById(entry.userId);
    if (!usable(user) || user.emailVerified || !sameAddress(user.email, entry.recipient)) return null;
    const url = link(config.links.verifyEmail, await tokens.issue(user.id, 'verify', user.email, config.verifyTtlSeconds));
    const rendered = render('verify-email', { username: user.username, email: user.email, link: url, expiresIn: ttl.verify });
    return mail(rendered, [url], () =>
      audit.record({ type: 'email.verification_sent', targetId: user.id, username: user.username, context: contextIn(entry) }),
    );
  }

  async function reset(entry: OutboxEntry): Promise<ComposedMail | null> {
    const user = await users.findByEmail(entry.recipient);
    if (!usable(user)) return null;
    const url = link(config.links.resetPassword, await tokens.issue(user.id, 'reset', user.email, config.resetTtlSeconds));
    const rendered = render('reset-password', { username: user.username, email: user.email, link: url, expiresIn: ttl.reset });
    return mail(rendered, [url], () =>
      audit.record({ type: 'password.reset_requested', targetId: user.id, username: user.username, context: contextIn(entry) }),
    );
  }

  async function change(entry: OutboxEntry): Promise<ComposedMail | null> {
    const user = entry.userId === null ? null : await users.findById(entry.userId);
    if (!usable(user) || sameAddress(user.email, entry.recipient)) return null;
    const holder = await users.findByEmail(entry.recipient);
    if (holder && holder.id !== user.id) return null;
    const url = link(config.links.verifyEmail, await tokens.issue(user.id, 'change', entry.recipient, config.verifyTtlSeconds));
    const variables = { username: user.username, email: user.email, newEmail: entry.recipient, link: url, expiresIn: ttl.verify };
    return mail(render('confirm-email-change', variables), [url]);
  }

  async function notice(entry: OutboxEntry): Promise<ComposedMail | null> {
    const user = entry.userId === null ? null : await users.findById(entry.userId);
    const newEmail = typeof entry.payload.newEmail === 'string' ? entry.payload.newEmail : undefined;
    if (!usable(user) || newEmail === undefined) return null;
    return mail(render('email-change-notice', { username: user.username, email: entry.recipient, newEmail }), []);
  }

  const composers: Record<string, (entry: OutboxEntry) => Promise<ComposedMail | null>> = {
    [MAIL_PURPOSES.verify]: verification,
    [MAIL_PURPOSES.reset]: reset,
    [MAIL_PURPOSES.change]: change,
    [MAIL_PURPOSES.notice]: notice,
  };
  return async (entry) => (await composers[entry.purpose]?.(entry)) ?? null;
}
