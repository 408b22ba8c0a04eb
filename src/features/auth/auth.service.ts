import { AppError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { RequestContext } from '../../lib/request-context.js';
import type { AuditLog } from '../audit/audit.service.js';
import { authorities, DEFAULT_ROLE } from '../roles/role.hierarchy.js';
import type { RoleService } from '../roles/role.service.js';
import type { SessionService } from '../sessions/session.service.js';
import type { AccessClaims, TokenService } from '../tokens/token.service.js';
import type { PasswordHasher } from '../users/password-hasher.js';
import type { UserRepository } from '../users/user.repository.js';
import type { UserService } from '../users/user.service.js';
import type { AccountThrottle } from './account-throttle.js';
import type { SigninInput, SignupInput } from './auth.schemas.js';

/** A new access token and the refresh token that goes with it. */
export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  /** Access-token lifetime in seconds. */
  expiresIn: number;
}

export interface SigninResult extends TokenPair {
  id: number;
  username: string;
  email: string;
  roles: string[];
}

export interface SignoutRequest {
  /** The refresh token of the session to end, when the client sends it. */
  refreshToken?: string | undefined;
  /** End every session of the user, not only this one. */
  all: boolean;
  /** Claims of the caller's access token, when one was presented (even an expired one). */
  caller?: AccessClaims | undefined;
}

export interface AuthService {
  signup(input: SignupInput, context: RequestContext): Promise<void>;
  signin(input: SigninInput, context: RequestContext): Promise<SigninResult>;
  refresh(refreshToken: string): Promise<TokenPair>;
  signout(request: SignoutRequest): Promise<void>;
}

export interface AuthServiceDeps {
  users: UserRepository;
  accounts: UserService;
  roles: RoleService;
  sessions: SessionService;
  hasher: PasswordHasher;
  tokens: TokenService;
  throttle: AccountThrottle;
  audit: AuditLog;
  logger: Logger;
  allowSignupRoles: boolean;
}

type FailureReason = 'unknown-user' | 'wrong-password' | 'disabled';

export function createAuthService(deps: AuthServiceDeps): AuthService {
  const { users, accounts, roles, sessions, hasher, tokens, throttle, audit, logger } = deps;

  /** One answer for every failure, after the same work, whatever the reason. */
  async function refuse(input: SigninInput, context: RequestContext, reason: FailureReason, userId?: number): Promise<never> {
    const wait = await throttle.failed(input.username);
    await audit.record({ type: 'signin.failure', targetId: userId, username: input.username, context, details: { reason } });
    if (wait !== undefined) {
      await audit.record({ type: 'signin.throttled', targetId: userId, username: input.username, context, details: { wait } });
    }
    throw new AppError('INVALID_CREDENTIALS', undefined, { body: { accessToken: null } });
  }

  function tokenPair(user: { id: number; roles: string[] }, sessionId: string, refreshToken: string): TokenPair {
    const access = tokens.issueAccessToken({ id: user.id, roles: user.roles, sessionId });
    return { accessToken: access.token, refreshToken, tokenType: 'Bearer', expiresIn: access.expiresIn };
  }

  return {
    async signup(input, context) {
      const granted = await roles.resolve(input.roles);
      const elevated = granted.map((role) => role.name).filter((name) => name !== DEFAULT_ROLE);
      if (elevated.length > 0 && !deps.allowSignupRoles) {
        throw new AppError(
          'SIGNUP_ROLE_FORBIDDEN',
          `Signup cannot grant the role(s) ${elevated.join(', ')}: new accounts get the "user" role. ` +
            'An administrator grants other roles (see `tokengate users:create`); ALLOW_SIGNUP_ROLES=true allows it for demos.',
        );
      }
      const id = await accounts.register({ ...input, roleIds: granted.map((role) => role.id) });
      await audit.record({ type: 'signup', actorId: id, targetId: id, username: input.username, context });
    },

    async signin(input, context) {
      const wait = await throttle.retryAfter(input.username, context.ip);
      if (wait !== undefined) {
        throw new AppError('SIGNIN_THROTTLED', `Too many failed signins for this account. Try again in ${wait} seconds.`, {
          headers: { 'Retry-After': String(wait) },
          body: { accessToken: null },
        });
      }
      const user = await users.findByUsername(input.username);
      // The same work for an unknown user, a wrong password and a disabled account.
      if (!user) {
        await hasher.verifyNothing(input.password);
        return refuse(input, context, 'unknown-user');
      }
      const valid = await hasher.verify(user.passwordHash, input.password);
      if (!valid) return refuse(input, context, 'wrong-password', user.id);
      if (user.disabled) return refuse(input, context, 'disabled', user.id);
      await throttle.succeeded(input.username, context.ip);
      if (user.passwordHash && hasher.needsRehash(user.passwordHash)) {
        try {
          await users.updatePasswordHash(user.id, await hasher.hash(input.password));
        } catch (error) {
          logger.warn({ err: error, userId: user.id }, 'could not upgrade a password hash; will retry at next signin');
        }
      }
      const session = await sessions.open(user.id, context);
      await audit.record({ type: 'signin.success', actorId: user.id, targetId: user.id, username: user.username, context });
      return {
        id: user.id,
        username: user.username,
        email: user.email,
        roles: authorities(user.roles),
        ...tokenPair(user, session.sessionId, session.refreshToken),
      };
    },

    async refresh(refreshToken) {
      const session = await sessions.refresh(refreshToken);
      // Roles are read again, so a refreshed token carries the user's current roles.
      const user = await users.findById(session.userId);
      if (!user) throw new AppError('REFRESH_TOKEN_NOT_FOUND');
      if (user.disabled) {
        await sessions.end([session.sessionId], 'account-disabled');
        throw new AppError('REFRESH_TOKEN_REVOKED');
      }
      return tokenPair(user, session.sessionId, session.refreshToken);
    },

    async signout({ refreshToken, all, caller }) {
      const owner = refreshToken ? await sessions.identify(refreshToken) : undefined;
      const sessionId = owner?.sessionId ?? caller?.sid;
      const userId = owner?.userId ?? caller?.id;
      if (all && userId !== undefined) await sessions.endAllOfUser(userId, 'signout-all');
      else if (sessionId !== undefined) await sessions.end([sessionId], 'signout');
    },
  };
}
