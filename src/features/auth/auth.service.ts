import { AppError } from '../../lib/errors.js';
import type { RequestContext } from '../../lib/request-context.js';
import { authorities, DEFAULT_ROLE } from '../../lib/roles.js';
import type { AuditLog } from '../audit/audit.service.js';
import type { PasswordCredential } from '../credentials/password.credential.js';
import type { RoleService } from '../roles/role.service.js';
import type { SessionService, TokenPair } from '../sessions/session.service.js';
import type { AccessClaims } from '../tokens/token.service.js';
import type { UserService, WithNewAccount } from '../users/user.service.js';
import type { SigninInput, SignupInput } from './auth.schemas.js';

/** The tutorial's signin answer: the account and its tokens. */
export interface SigninResult extends TokenPair {
  id: number;
  username: string;
  email: string;
  emailVerified: boolean;
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

/** The tutorial's /api/auth use cases, composed of credentials and sessions. */
export interface AuthService {
  signup(input: SignupInput, context: RequestContext): Promise<void>;
  signin(input: SigninInput, context: RequestContext): Promise<SigninResult>;
  refresh(refreshToken: string): Promise<TokenPair>;
  signout(request: SignoutRequest): Promise<void>;
}

export interface AuthServiceDeps {
  users: UserService;
  roles: RoleService;
  password: PasswordCredential;
  sessions: SessionService;
  audit: AuditLog;
  allowSignupRoles: boolean;
  /** Signin refuses accounts whose address is not verified (EMAIL_VERIFICATION=required). */
  requireVerifiedEmail: boolean;
  /** Runs in the signup's transaction, e.g. to queue the verification mail with the account. */
  onSignup?: (email: string, context: RequestContext) => WithNewAccount | undefined;
}

export function createAuthService(deps: AuthServiceDeps): AuthService {
  const { users, roles, password, sessions, audit, allowSignupRoles, requireVerifiedEmail, onSignup } = deps;

  /** Only asked after the password was right, so that it tells nothing to someone guessing. */
  async function assertVerified(userId: number): Promise<void> {
    const user = await users.findById(userId);
    if (user && !user.emailVerified) throw new AppError('EMAIL_NOT_VERIFIED');
  }

  return {
    async signup(input, context) {
      const granted = await roles.resolve(input.roles);
      const elevated = granted.map((role) => role.name).filter((name) => name !== DEFAULT_ROLE);
      if (elevated.length > 0 && !allowSignupRoles) {
        throw new AppError(
          'SIGNUP_ROLE_FORBIDDEN',
          `Signup cannot grant the role(s) ${elevated.join(', ')}: new accounts get the "user" role. ` +
            'An administrator grants other roles (see `tokengate users:create`); ALLOW_SIGNUP_ROLES=true allows it for demos.',
        );
      }
      const id = await users.register({ ...input, roleIds: granted.map((role) => role.id) }, onSignup?.(input.email, context));
      await audit.record({ type: 'signup', actorId: id, targetId: id, username: input.username, context });
    },

    async signin(input, context) {
      const proof = await password.prove(input, context);
      if (requireVerifiedEmail) await assertVerified(proof.userId);
      const { subject, sessionId: _sessionId, ...tokens } = await sessions.start(proof, context);
      await audit.record({ type: 'signin.success', actorId: subject.id, targetId: subject.id, username: subject.username, context });
      const { id, username, email, emailVerified } = subject;
      return { id, username, email, emailVerified, roles: authorities(subject.roles), ...tokens };
    },

    refresh: (refreshToken) => sessions.refresh(refreshToken),

    async signout({ refreshToken, all, caller }) {
      const owner = refreshToken ? await sessions.identify(refreshToken) : undefined;
      const sessionId = owner?.sessionId ?? caller?.sid;
      const userId = owner?.userId ?? caller?.id;
      if (all && userId !== undefined) await sessions.end({ userIds: [userId] }, 'signout-all');
      else if (sessionId !== undefined) await sessions.end({ sessionIds: [sessionId] }, 'signout');
    },
  };
}
