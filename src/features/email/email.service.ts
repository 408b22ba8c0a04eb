import type { Config } from '../../config/config.loader.js';
import type { Database } from '../../db/database.js';
import { AppError } from '../../lib/errors.js';
import { emailKey } from '../../lib/identity.js';
import type { RequestContext } from '../../lib/request-context.js';
import type { AuditLog } from '../audit/audit.service.js';
import type { AccountThrottle } from '../credentials/account-throttle.js';
import type { MailIntent, MailService } from '../mail/mail.service.js';
import type { PasswordHasher } from '../passwords/password-hasher.js';
import { passwordProblem } from '../passwords/password-policy.js';
import type { SessionService } from '../sessions/session.service.js';
import type { UserRecord, UserService, WithNewAccount } from '../users/user.service.js';
import { MAIL_PURPOSES } from './email-composer.js';
import type { EmailTokens } from './email-tokens.js';

/*
 * Email verification, password reset and email change. Requests queue mail (the outbox, in the
 * request's transaction); links come back with their token and are used once. Forgot-password
 * and verification-resend by address do the same work whether or not an account has the
 * address: they only queue an entry (after the same per-recipient limit), and the sender finds
 * out, later, whether there is anyone to write to.
 */

/** Who asks for a verification link again: anyone naming an address, or a signed-in user. */
export type ResendRequest = { email: string } | { userId: number };

export interface EmailService {
  /** The work that queues the verification mail in the signup's transaction (none with EMAIL_VERIFICATION=off). */
  onSignup(email: string, context: RequestContext): WithNewAccount | undefined;
  resendVerification(request: ResendRequest, context: RequestContext): Promise<void>;
  /** Confirms an address (a verification or an email-change link); returns the account's address. */
  verify(token: string, context: RequestContext): Promise<{ email: string }>;
  forgotPassword(email: string, context: RequestContext): Promise<void>;
  resetPassword(token: string, password: string, context: RequestContext): Promise<void>;
  /** Sends a confirmation link to the new address and a notice to the current one; nothing changes yet. */
  requestChange(user: UserRecord, newEmail: string, context: RequestContext): Promise<void>;
  purge(): Promise<number>;
}

export interface EmailServiceDeps {
  db: Pick<Database, 'transaction'>;
  users: UserService;
  tokens: EmailTokens;
  mail: MailService;
  hasher: PasswordHasher;
  sessions: SessionService;
  throttle: AccountThrottle;
  audit: AuditLog;
  config: Config['mail'];
}

const contextPayload = (context: RequestContext) => ({ context: { ip: context.ip, userAgent: context.userAgent } });

export function createEmailService(deps: EmailServiceDeps): EmailService {
  const { db, users, tokens, mail, hasher, sessions, throttle, audit, config } = deps;
  const verificationOn = config.verification !== 'off';

  /** The account behind a usable link: it exists, is enabled, and still has the address the link went to. */
  async function owner(userId: number, email: string, mustMatch: boolean): Promise<UserRecord | null> {
    const user = await users.findById(userId);
    if (!user || user.disabled) return null;
    return !mustMatch || emailKey(user.email) === emailKey(email) ? user : null;
  }

  return {
    onSignup(email, context) {
      if (!verificationOn) return undefined;
      return async (userId, trx) => {
        await mail.queue({ purpose: MAIL_PURPOSES.verify, recipient: email, userId, payload: contextPayload(context) }, trx);
      };
    },

    async resendVerification(request, context) {
      if (!verificationOn) return;
      let intent: MailIntent = { purpose: MAIL_PURPOSES.verify, recipient: '', payload: contextPayload(context) };
      if ('email' in request) intent = { ...intent, recipient: request.email };
      else {
        const user = await users.findById(request.userId);
        if (!user || user.emailVerified) return;
        intent = { ...intent, recipient: user.email, userId: user.id };
      }
      await mail.queue(intent);
    },

    async verify(token, context) {
      const record = await tokens.check(token, ['verify', 'change']);
      const user = record && (await owner(record.userId, record.email, record.purpose === 'verify'));
      if (!record || !user) throw new AppError('VERIFICATION_TOKEN_INVALID');
      await db.transaction(async (trx) => {
        if (!(await tokens.consume(record, trx))) throw new AppError('VERIFICATION_TOKEN_INVALID');
        if (record.purpose === 'change') await users.changeEmail(user.id, record.email, { verified: true, trx });
        else await users.markEmailVerified(user.id, trx);
      });
      const event = record.purpose === 'change' ? ('email.changed' as const) : ('email.verified' as const);
      const details = record.purpose === 'change' ? { from: user.email, to: record.email } : { email: record.email };
      await audit.record({ type: event, actorId: user.id, targetId: user.id, username: user.username, context, details });
      return { email: record.email };
    },

    async forgotPassword(email, context) {
      await mail.queue({ purpose: MAIL_PURPOSES.reset, recipient: email, payload: contextPayload(context) });
    },

    async resetPassword(token, password, context) {
      const record = await tokens.check(token, ['reset']);
      const user = record && (await owner(record.userId, record.email, true));
      if (!record || !user) throw new AppError('RESET_TOKEN_INVALID');
      const problem = passwordProblem(password, user);
      if (problem) throw new AppError('VALIDATION_FAILED', problem, { errors: [{ field: 'password', message: problem }] });
      const passwordHash = await hasher.hash(password);
      await db.transaction(async (trx) => {
        if (!(await tokens.consume(record, trx))) throw new AppError('RESET_TOKEN_INVALID');
        await users.updatePasswordHash(user.id, passwordHash, trx);
        // The link reached the address: as good as a verification link.
        await users.markEmailVerified(user.id, trx);
        await sessions.end({ userIds: [user.id] }, 'password-reset', trx);
      });
      await throttle.clear(user.username);
      await audit.record({ type: 'password.reset', actorId: user.id, targetId: user.id, username: user.username, context });
    },

    async requestChange(user, newEmail, context) {
      if (emailKey(newEmail) === emailKey(user.email)) {
        const message = 'email is already the address of this account';
        throw new AppError('VALIDATION_FAILED', message, { errors: [{ field: 'email', message }] });
      }
      const holder = await users.findByEmail(newEmail);
      if (holder && holder.id !== user.id) throw new AppError('EMAIL_TAKEN');
      const payload = contextPayload(context);
      await db.transaction(async (trx) => {
        await mail.queue({ purpose: MAIL_PURPOSES.change, recipient: newEmail, userId: user.id, payload }, trx);
        await mail.queue({ purpose: MAIL_PURPOSES.notice, recipient: user.email, userId: user.id, payload: { ...payload, newEmail } }, trx);
      });
      await audit.record({
        type: 'email.change_requested',
        actorId: user.id,
        targetId: user.id,
        username: user.username,
        context,
        details: { from: user.email, to: newEmail },
      });
    },

    purge: () => tokens.purge(),
  };
}
