import { AppError } from '../../lib/errors.js';
import type { RequestContext } from '../../lib/request-context.js';
import type { AuditLog } from '../audit/audit.service.js';
import type { AccountThrottle } from '../auth/account-throttle.js';
import type { SessionService } from '../sessions/session.service.js';
import type { AccessClaims } from '../tokens/token.service.js';
import type { PasswordHasher } from './password-hasher.js';
import { passwordProblem } from './password-policy.js';
import { DuplicateIdentityError, type UserRecord, type UserRepository } from './user.repository.js';
import { toUserView, type UserView } from './user.views.js';

/** What signed-in users do to their own account. */
export interface ProfileService {
  get(caller: AccessClaims): Promise<UserView>;
  changeEmail(caller: AccessClaims, email: string, context: RequestContext): Promise<UserView>;
  /** Checks the current password; on success ends every other session of the user. */
  changePassword(caller: AccessClaims, current: string, next: string, context: RequestContext): Promise<void>;
}

export interface ProfileServiceDeps {
  users: UserRepository;
  hasher: PasswordHasher;
  sessions: SessionService;
  throttle: AccountThrottle;
  audit: AuditLog;
}

export function createProfileService({ users, hasher, sessions, throttle, audit }: ProfileServiceDeps): ProfileService {
  /** The caller's account; a token whose account is gone or disabled is no longer valid. */
  async function account(caller: AccessClaims): Promise<UserRecord> {
    const user = await users.findById(caller.id);
    if (!user || user.disabled) throw new AppError('TOKEN_INVALID');
    return user;
  }

  return {
    async get(caller) {
      return toUserView(await account(caller));
    },

    async changeEmail(caller, email, context) {
      const user = await account(caller);
      if (await users.isEmailTaken(email, user.id)) throw new AppError('EMAIL_TAKEN');
      try {
        await users.updateEmail(user.id, email);
      } catch (error) {
        if (error instanceof DuplicateIdentityError) throw new AppError('EMAIL_TAKEN');
        throw error;
      }
      await audit.record({
        type: 'user.email_changed',
        actorId: user.id,
        targetId: user.id,
        context,
        details: { from: user.email, to: email },
      });
      return toUserView({ ...user, email });
    },

    async changePassword(caller, current, next, context) {
      const user = await account(caller);
      const wait = await throttle.retryAfter(user.username, context.ip);
      if (wait !== undefined) {
        throw new AppError('SIGNIN_THROTTLED', `Too many wrong passwords for this account. Try again in ${wait} seconds.`, {
          headers: { 'Retry-After': String(wait) },
        });
      }
      if (!(await hasher.verify(user.passwordHash, current))) {
        await throttle.failed(user.username);
        throw new AppError('WRONG_CURRENT_PASSWORD', undefined, {
          errors: [{ field: 'currentPassword', message: 'currentPassword is not the current password' }],
        });
      }
      const problem = current === next ? 'newPassword must differ from currentPassword' : passwordProblem(next, user);
      if (problem) {
        const message = problem.replace(/^password/, 'newPassword');
        throw new AppError('VALIDATION_FAILED', message, { errors: [{ field: 'newPassword', message }] });
      }
      await users.updatePasswordHash(user.id, await hasher.hash(next));
      await sessions.endAllOfUser(user.id, 'password-changed', caller.sid);
      await audit.record({ type: 'user.password_changed', actorId: user.id, targetId: user.id, context });
    },
  };
}
