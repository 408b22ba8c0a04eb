import { AppError } from '../../lib/errors.js';
import type { RequestContext } from '../../lib/request-context.js';
import type { AuditLog } from '../audit/audit.service.js';
import type { PasswordCredential } from '../credentials/password.credential.js';
import type { EmailService } from '../email/email.service.js';
import type { SecondFactors } from '../credentials/second-factors.js';
import type { PasswordHasher } from '../passwords/password-hasher.js';
import { passwordProblem } from '../passwords/password-policy.js';
import type { SessionService } from '../sessions/session.service.js';
import type { UserRecord, UserService } from '../users/user.service.js';
import { toUserView, type UserView } from '../users/user.views.js';

/** The signed-in caller: their account and the session of their token. */
export interface Me {
  id: number;
  sid: string;
}

/** What signed-in users do to their own account. */
export interface ProfileService {
  get(me: Me): Promise<UserView>;
  /** Sends a confirmation link to the new address (and a notice to the current one); the change waits for the link. */
  requestEmailChange(me: Me, email: string, context: RequestContext): Promise<void>;
  /** Checks the current password; on success ends every other session of the user. */
  changePassword(me: Me, current: string, next: string, context: RequestContext): Promise<void>;
}

export interface ProfileServiceDeps {
  users: UserService;
  password: PasswordCredential;
  hasher: PasswordHasher;
  sessions: SessionService;
  emails: EmailService;
  audit: AuditLog;
  secondFactors: Pick<SecondFactors, 'status'>;
}

export function createProfileService(deps: ProfileServiceDeps): ProfileService {
  const { users, password, hasher, sessions, emails, audit, secondFactors } = deps;

  /** The caller's account; a token whose account is gone or disabled is no longer valid. */
  async function account(me: Me): Promise<UserRecord> {
    const user = await users.findById(me.id);
    if (!user || user.disabled) throw new AppError('TOKEN_INVALID');
    return user;
  }

  return {
    async get(me) {
      const user = await account(me);
      return toUserView(user, await secondFactors.status(user.id));
    },

    async requestEmailChange(me, email, context) {
      await emails.requestChange(await account(me), email, context);
    },

    async changePassword(me, current, next, context) {
      const user = await account(me);
      await password.confirm(user, current, context);
      const problem = current === next ? 'newPassword must differ from currentPassword' : passwordProblem(next, user);
      if (problem) {
        const message = problem.replace(/^password/, 'newPassword');
        throw new AppError('VALIDATION_FAILED', message, { errors: [{ field: 'newPassword', message }] });
      }
      await users.updatePasswordHash(user.id, await hasher.hash(next));
      await sessions.end({ userIds: [user.id], except: me.sid }, 'password-changed');
      await audit.record({ type: 'user.password_changed', actorId: user.id, targetId: user.id, context });
    },
  };
}
