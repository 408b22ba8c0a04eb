import { AppError } from '../../lib/errors.js';
import type { RequestContext } from '../../lib/request-context.js';
import type { AuditLog, AuditType } from '../audit/audit.service.js';
import type { PasswordCredential } from '../credentials/password.credential.js';
import type { Passkeys, PasskeyView, RegistrationStart } from '../credentials/passkeys.js';
import type { RegistrationResponse } from '../credentials/webauthn.js';
import type { UserRecord, UserService } from '../users/user.service.js';

/*
 * The caller's own passkeys: register, list, rename, remove. Registering asks for the current
 * password: a passkey is a whole signin that outlives password changes, so a stolen access
 * token (or a script in the page) must not be able to add one. The audit trail names the
 * passkey by its API id and name, never by its credential id or key.
 */

export interface PasskeyRegistration {
  challengeId: string;
  response: RegistrationResponse;
  name?: string | undefined;
}

export interface PasskeyService {
  /** The current password first (400 WRONG_CURRENT_PASSWORD, under the account throttle). */
  registrationOptions(userId: number, password: string, context: RequestContext): Promise<RegistrationStart>;
  register(userId: number, input: PasskeyRegistration, context: RequestContext): Promise<PasskeyView>;
  list(userId: number): Promise<PasskeyView[]>;
  rename(userId: number, id: string, name: string, context: RequestContext): Promise<PasskeyView>;
  remove(userId: number, id: string, context: RequestContext): Promise<void>;
}

export interface PasskeyServiceDeps {
  users: UserService;
  password: PasswordCredential;
  passkeys: Passkeys;
  audit: AuditLog;
}

export function createPasskeyService({ users, password, passkeys, audit }: PasskeyServiceDeps): PasskeyService {
  /** The caller's account; a token whose account is gone or disabled is no longer valid. */
  async function account(userId: number): Promise<UserRecord> {
    const user = await users.findById(userId);
    if (!user || user.disabled) throw new AppError('TOKEN_INVALID');
    return user;
  }

  const record = (type: AuditType, user: UserRecord, passkey: PasskeyView, context: RequestContext) =>
    audit.record({
      type,
      actorId: user.id,
      targetId: user.id,
      username: user.username,
      context,
      details: { passkeyId: passkey.id, name: passkey.name },
    });

  return {
    async registrationOptions(userId, currentPassword, context) {
      const user = await account(userId);
      await password.confirm(user, currentPassword, context, 'password');
      return passkeys.registrationOptions(user);
    },

    async register(userId, input, context) {
      const user = await account(userId);
      const passkey = await passkeys.register(user, input);
      await record('passkey.added', user, passkey, context);
      return passkey;
    },

    async list(userId) {
      return passkeys.list((await account(userId)).id);
    },

    async rename(userId, id, name, context) {
      const user = await account(userId);
      const passkey = await passkeys.rename(user.id, id, name);
      await record('passkey.renamed', user, passkey, context);
      return passkey;
    },

    async remove(userId, id, context) {
      const user = await account(userId);
      const passkey = await passkeys.remove(user.id, id);
      await record('passkey.removed', user, passkey, context);
    },
  };
}
