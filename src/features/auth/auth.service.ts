import { AppError } from '../../lib/errors.js';
import type { Proof } from '../../lib/proof.js';
import type { RequestContext } from '../../lib/request-context.js';
import { authorities, DEFAULT_ROLE } from '../../lib/roles.js';
import type { AuditLog } from '../audit/audit.service.js';
import type { PasswordCredential } from '../credentials/password.credential.js';
import { passkeyRefused, type AuthenticationStart, type PasskeyCredential } from '../credentials/passkey.credential.js';
import type { SecondFactorCredential } from '../credentials/second-factor.credential.js';
import type { SecondFactorMethod, SecondFactors } from '../credentials/second-factors.js';
import type { RoleService } from '../roles/role.service.js';
import type { SessionService, TokenPair } from '../sessions/session.service.js';
import type { AccessClaims } from '../tokens/token.service.js';
import type { UserService, WithNewAccount } from '../users/user.service.js';
import type { MfaVerifyInput, PasskeyOptionsInput, PasskeySigninInput, SigninInput, SignupInput } from './auth.schemas.js';
import type { MfaChallenges } from './mfa-challenges.js';

/** The tutorial's signin answer: the account and its tokens. */
export interface SigninResult extends TokenPair {
  id: number;
  username: string;
  email: string;
  emailVerified: boolean;
  roles: string[];
}

/** The signin answer of an account with a second factor: no tokens until a code is verified. */
export interface MfaChallengeResult {
  mfaRequired: true;
  mfaToken: string;
  methods: SecondFactorMethod[];
  message: string;
}

export function isMfaChallenge(result: SigninResult | MfaChallengeResult): result is MfaChallengeResult {
  return 'mfaRequired' in result;
}

/** What the person is asked for, by the methods the account has. */
function mfaMessage(methods: readonly SecondFactorMethod[]): string {
  const ways = [
    ...(methods.includes('totp') ? ['enter the code from your authenticator app'] : []),
    ...(methods.includes('recovery_code') ? ['a recovery code'] : []),
    ...(methods.includes('passkey') ? ['use a passkey'] : []),
  ];
  const text = ways.length > 1 ? `${ways.slice(0, -1).join(', ')}, or ${ways.at(-1)}` : (ways[0] ?? '');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)} to finish signing in.`;
}

export interface SignoutRequest {
  /** The refresh token of the session to end, when the client sends it. */
  refreshToken?: string | undefined;
  /** End every session of the user, not only this one. */
  all: boolean;
  /** Claims of the caller's access token, when one was presented (even an expired one). */
  caller?: AccessClaims | undefined;
  /** The caller's access token is unexpired and its session not ended. */
  callerLive?: boolean;
}

/** The tutorial's /api/auth use cases, composed of credentials and sessions. */
export interface AuthService {
  signup(input: SignupInput, context: RequestContext): Promise<void>;
  /** Tokens; or, when the account has a second factor, an mfaToken for `verifyMfa`. */
  signin(input: SigninInput, context: RequestContext): Promise<SigninResult | MfaChallengeResult>;
  /** The second step: an mfaToken and a code (authenticator or recovery) or a passkey's answer, for the tokens. */
  verifyMfa(input: MfaVerifyInput, context: RequestContext): Promise<SigninResult>;
  /** Options for a passkey: a passwordless signin (anyone, or a named user) or the second step of an mfaToken. */
  passkeyOptions(input: PasskeyOptionsInput): Promise<AuthenticationStart>;
  /** A passwordless signin with a passkey: the full signin answer, amr hwk+user. */
  signinWithPasskey(input: PasskeySigninInput, context: RequestContext): Promise<SigninResult>;
  /** Deletes expired mfaTokens and passkey challenges (a background job). */
  purgeMfaChallenges(): Promise<number>;
  refresh(refreshToken: string): Promise<TokenPair>;
  signout(request: SignoutRequest): Promise<void>;
}

export interface AuthServiceDeps {
  users: UserService;
  roles: RoleService;
  password: PasswordCredential;
  secondFactor: SecondFactorCredential;
  passkey: PasskeyCredential;
  secondFactors: Pick<SecondFactors, 'methods'>;
  challenges: MfaChallenges;
  sessions: SessionService;
  audit: AuditLog;
  allowSignupRoles: boolean;
  /** Signin refuses accounts whose address is not verified (EMAIL_VERIFICATION=required). */
  requireVerifiedEmail: boolean;
  /** Runs in the signup's transaction, e.g. to queue the verification mail with the account. */
  onSignup?: (email: string, context: RequestContext) => WithNewAccount | undefined;
}

export function createAuthService(deps: AuthServiceDeps): AuthService {
  const { users, roles, password, secondFactor, passkey, secondFactors, challenges, sessions, audit, allowSignupRoles } = deps;
  const { requireVerifiedEmail, onSignup } = deps;

  /** Only asked after the password was right, so that it tells nothing to someone guessing. */
  async function assertVerified(userId: number): Promise<void> {
    const user = await users.findById(userId);
    if (user && !user.emailVerified) throw new AppError('EMAIL_NOT_VERIFIED');
  }

  /** The last step of every signin: the session and its tokens, and the account throttle cleared. */
  async function complete(proof: Proof, username: string, context: RequestContext): Promise<SigninResult> {
    await password.signedIn(username, context);
    const { subject, sessionId: _sessionId, ...tokens } = await sessions.start(proof, context);
    const event = { actorId: subject.id, targetId: subject.id, username: subject.username, context };
    await audit.record({ type: 'signin.success', ...event, details: { amr: proof.amr } });
    const { id, email, emailVerified } = subject;
    return { id, username: subject.username, email, emailVerified, roles: authorities(subject.roles), ...tokens };
  }

  /** A wrong code fails the signin like a wrong password: 401. */
  function asSigninFailure(error: unknown): never {
    if (error instanceof AppError && error.code === 'MFA_CODE_INVALID') throw new AppError('MFA_CODE_INVALID', undefined, { status: 401 });
    throw error;
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
      const methods = await secondFactors.methods(proof.userId);
      if (methods.length === 0) return complete(proof, input.username, context);
      const mfaToken = await challenges.issue(proof);
      const event = { actorId: proof.userId, targetId: proof.userId, username: input.username, context };
      await audit.record({ type: 'signin.mfa_required', ...event, details: { methods } });
      return { mfaRequired: true, mfaToken, methods, message: mfaMessage(methods) };
    },

    async verifyMfa({ mfaToken, code, challengeId, response }, context) {
      const { username, ...proof } = await challenges.redeem(mfaToken, async (userId, mfaChallengeId) => {
        const user = await users.findById(userId);
        // Deleted or disabled since the password step: the signin cannot finish.
        if (!user || user.disabled) throw new AppError('MFA_TOKEN_INVALID');
        const second =
          challengeId !== undefined && response !== undefined
            ? await passkey.proveSecondFactor(user.id, mfaChallengeId, { challengeId, response }, context)
            : await secondFactor.prove(user, code ?? '', context).catch(asSigninFailure);
        return { ...second, username: user.username };
      });
      return complete(proof, username, context);
    },

    async passkeyOptions({ username, mfaToken }) {
      if (mfaToken !== undefined) {
        const { userId, challengeId } = await challenges.peek(mfaToken);
        return passkey.secondFactorOptions(userId, challengeId);
      }
      if (username === undefined) return passkey.signinOptions(undefined);
      const user = await users.findByUsername(username);
      // An unknown or disabled name gets what a user without passkeys gets: made-up credentials.
      return passkey.signinOptions({ username, userId: user && !user.disabled ? user.id : null });
    },

    async signinWithPasskey(input, context) {
      const proof = await passkey.prove(input, context);
      const user = await users.findById(proof.userId);
      if (!user || user.disabled) {
        await audit.record({ type: 'signin.failure', targetId: proof.userId, context, details: { method: 'passkey', reason: 'disabled' } });
        throw passkeyRefused();
      }
      if (requireVerifiedEmail && !user.emailVerified) throw new AppError('EMAIL_NOT_VERIFIED');
      return complete(proof, user.username, context);
    },

    purgeMfaChallenges: async () => (await challenges.purge()) + (await passkey.purgeChallenges()),

    refresh: (refreshToken) => sessions.refresh(refreshToken),

    async signout({ refreshToken, all, caller, callerLive = false }) {
      const owner = refreshToken ? await sessions.identify(refreshToken) : undefined;
      const sessionId = owner?.sessionId ?? caller?.sid;
      const userId = owner?.userId ?? caller?.id;
      // Ending every session needs a live credential; a dead token (expired, of an ended session,
      // or an exchanged refresh token) may only end its own session.
      const mayEndAll = (owner?.live ?? false) || (callerLive && caller?.id === userId);
      if (all && mayEndAll && userId !== undefined) await sessions.end({ userIds: [userId] }, 'signout-all');
      else if (sessionId !== undefined) await sessions.end({ sessionIds: [sessionId] }, 'signout');
    },
  };
}
