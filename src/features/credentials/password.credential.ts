import { AppError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import { AMR, type Proof } from '../../lib/proof.js';
import type { RequestContext } from '../../lib/request-context.js';
import type { AuditLog } from '../audit/audit.service.js';
import { BCRYPT_MAX_BYTES, bcryptCost, isBcryptHash, type EqualWork, type PasswordHasher } from '../passwords/password-hasher.js';
import type { UserRecord, UserService } from '../users/user.service.js';
import type { AccountThrottle } from './account-throttle.js';
import { secondsText } from '../../lib/duration.js';

export interface PasswordInput {
  username: string;
  password: string;
}

/** Proving identity with a username and password. */
export interface PasswordCredential {
  /**
   * Who signs in with this username and password. An unknown user, a wrong password and a
   * disabled account get the same 401 after the same work; the account throttle applies, and
   * keeps counting until `signedIn` (a second factor may still have to follow).
   */
  prove(input: PasswordInput, context: RequestContext): Promise<Proof>;
  /** The signin is complete: the throttle forgets the failures and trusts this client for the account. */
  signedIn(username: string, context: RequestContext): Promise<void>;
  /**
   * Checks the current password of a signed-in user (for changes that need it), under the
   * throttle; a wrong one is a 400 naming `field`.
   */
  confirm(
    user: Pick<UserRecord, 'id' | 'username' | 'passwordHash'>,
    password: string,
    context: RequestContext,
    field?: string,
  ): Promise<void>;
}

export interface PasswordCredentialDeps {
  users: UserService;
  hasher: PasswordHasher;
  throttle: AccountThrottle;
  audit: AuditLog;
  logger: Logger;
}

type FailureReason = 'unknown-user' | 'wrong-password' | 'disabled';

/** How often to look again whether bcrypt hashes remain. */
const LEGACY_CHECK_MS = 10 * 60_000;

export function createPasswordCredential({ users, hasher, throttle, audit, logger }: PasswordCredentialDeps): PasswordCredential {
  /** One answer for every failure, after the same work, whatever the reason. */
  async function refuse(input: PasswordInput, context: RequestContext, reason: FailureReason, userId?: number): Promise<never> {
    const wait = await throttle.failed(input.username);
    await audit.record({ type: 'signin.failure', targetId: userId, username: input.username, context, details: { reason } });
    if (wait !== undefined) {
      await audit.record({ type: 'signin.throttled', targetId: userId, username: input.username, context, details: { wait } });
    }
    throw new AppError('INVALID_CREDENTIALS', undefined, { body: { accessToken: null } });
  }

  async function holdBack(username: string, ip: string | undefined, message: string, body?: Record<string, unknown>) {
    const wait = await throttle.retryAfter(username, ip);
    if (wait === undefined) return;
    throw new AppError('SIGNIN_THROTTLED', `${message} Try again in ${secondsText(wait)}.`, {
      headers: { 'Retry-After': String(wait) },
      body,
    });
  }

  /**
   * Hashes written by the tutorial or with other parameters are replaced after a good signin —
   * but never a bcrypt hash by the hash of a password longer than bcrypt's 72 bytes: bcrypt
   * compared only the first 72, so this password may differ from the real one after them. Such
   * an account keeps bcrypt until its owner sets a new password.
   */
  async function upgrade(userId: number, hash: string | null, password: string): Promise<void> {
    if (!hash || !hasher.needsRehash(hash)) return;
    if (isBcryptHash(hash) && Buffer.byteLength(password, 'utf8') > BCRYPT_MAX_BYTES) return;
    try {
      await users.updatePasswordHash(userId, await hasher.hash(password));
    } catch (error) {
      logger.warn({ err: error, userId }, 'could not upgrade a password hash; will retry at next signin');
    }
  }

  /**
   * While bcrypt hashes from the tutorial remain, every refused signin also costs a bcrypt
   * compare, so that timing does not tell adopted accounts apart. Looked up now and then, not per signin.
   */
  let legacy: { cost: number | undefined; until: number } = { cost: undefined, until: 0 };
  async function equalWork(): Promise<EqualWork> {
    if (Date.now() >= legacy.until) {
      const hash = await users.anyBcryptHash();
      legacy = { cost: hash === undefined ? undefined : bcryptCost(hash), until: Date.now() + LEGACY_CHECK_MS };
    }
    return { bcryptCost: legacy.cost };
  }

  return {
    async prove(input, context) {
      // A signin the hashing would shed is refused before any lookup: no database work, and the
      // same answer whoever the username is.
      hasher.admit();
      await holdBack(input.username, context.ip, 'Too many failed signins for this account.', { accessToken: null });
      const [user, work] = await Promise.all([users.findByUsername(input.username), equalWork()]);
      // The same work for an unknown user, a wrong password and a disabled account.
      if (!user) {
        await hasher.verifyNothing(input.password, work);
        return refuse(input, context, 'unknown-user');
      }
      if (!(await hasher.verify(user.passwordHash, input.password))) {
        await hasher.padFailure(user.passwordHash, input.password, work);
        return refuse(input, context, 'wrong-password', user.id);
      }
      if (user.disabled) {
        await hasher.padFailure(user.passwordHash, input.password, work);
        return refuse(input, context, 'disabled', user.id);
      }
      await upgrade(user.id, user.passwordHash, input.password);
      return { userId: user.id, amr: [AMR.password] };
    },

    signedIn: (username, context) => throttle.succeeded(username, context.ip),

    async confirm(user, password, context, field = 'currentPassword') {
      // No address is exempt here: the caller holds a session already, and a stolen token (or a
      // script in the page) must not be able to try password after password from the usual address.
      hasher.admit();
      await holdBack(user.username, undefined, 'Too many wrong passwords for this account.');
      if (!(await hasher.verify(user.passwordHash, password))) {
        await throttle.failed(user.username);
        const event = { actorId: user.id, targetId: user.id, username: user.username, context, details: { field } };
        await audit.record({ type: 'user.password_check_failed', ...event });
        const message = `${field} is not the current password`;
        throw new AppError('WRONG_CURRENT_PASSWORD', `${message}.`, { errors: [{ field, message }] });
      }
    },
  };
}
