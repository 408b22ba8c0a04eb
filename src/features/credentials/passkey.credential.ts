import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { Clock } from '../../lib/clock.js';
import { sha256Hex } from '../../lib/crypto.js';
import { AppError } from '../../lib/errors.js';
import { usernameKey } from '../../lib/identity.js';
import { AMR, type Proof } from '../../lib/proof.js';
import type { RequestContext } from '../../lib/request-context.js';
import type { AuditLog } from '../audit/audit.service.js';
import type { PasskeyRecord, PasskeyRepository } from './passkey.repository.js';
import type { WebauthnChallenges } from './webauthn-challenges.js';
import type { WebauthnPurpose } from './webauthn-challenge.repository.js';
import {
  authenticationOptions,
  challengeMatcher,
  counterAcceptable,
  decoyCredentials,
  userHandleMatches,
  verifyAssertion,
  type AuthenticationResponse,
  type CredentialDescriptor,
  type RelyingParty,
} from './webauthn.js';

export interface AuthenticationStart {
  options: PublicKeyCredentialRequestOptionsJSON;
  challengeId: string;
}

export interface PasskeyAssertion {
  challengeId: string;
  response: AuthenticationResponse;
}

/** Proving identity with a passkey: a whole signin on its own, or the second step after a password. */
export interface PasskeyCredential {
  /**
   * Options for a passwordless signin: discoverable (none listed) without a name; with one, the
   * account's credentials, or made-up ones when there are none to show (`userId` null: no such
   * account, or a disabled one), so that the answer tells nothing about the name. The same
   * queries run for every name.
   */
  signinOptions(named?: { username: string; userId: number | null }): Promise<AuthenticationStart>;
  /** Options for the second step of the signin of the mfaToken `mfaChallengeId`: that user's credentials. */
  secondFactorOptions(userId: number, mfaChallengeId: string): Promise<AuthenticationStart>;
  /** A passwordless signin proves `hwk` and `user` (user verification). 401 PASSKEY_INVALID otherwise. */
  prove(assertion: PasskeyAssertion, context: RequestContext): Promise<Proof>;
  /** The second step: a passkey of `userId`, answering a challenge of this mfaToken; proves `hwk`. */
  proveSecondFactor(userId: number, mfaChallengeId: string, assertion: PasskeyAssertion, context: RequestContext): Promise<Proof>;
  purgeChallenges(): Promise<number>;
}

export interface PasskeyCredentialDeps {
  passkeys: PasskeyRepository;
  challenges: WebauthnChallenges;
  rp: RelyingParty;
  /** Derives the WebAuthn user handles (an assertion's is checked against it). */
  handleKey: Buffer;
  /** Derives the made-up credentials of names without passkeys. */
  decoyKey: Buffer;
  audit: AuditLog;
  clock: Clock;
}

/** The reason stays in the audit trail; the client learns only that it failed. */
class Refusal extends Error {
  constructor(
    readonly reason: string,
    readonly passkey?: PasskeyRecord,
  ) {
    super(reason);
  }
}

export const passkeyRefused = () => new AppError('PASSKEY_INVALID', undefined, { status: 401 });

/** No account has this id: the list query of a name without an account finds nothing. */
const NO_ACCOUNT = 0;

export function createPasskeyCredential({ passkeys, challenges, rp, handleKey, decoyKey, audit, clock }: PasskeyCredentialDeps): PasskeyCredential {
  async function start(purpose: WebauthnPurpose, allow: () => Promise<readonly CredentialDescriptor[]>, binding: { userId?: number; mfaChallengeId?: string }) {
    const { challengeId, challenge } = await challenges.issue(purpose, binding);
    return { options: await authenticationOptions(rp, challenge, await allow()), challengeId };
  }

  async function allowedFor({ username, userId }: { username: string; userId: number | null }): Promise<readonly CredentialDescriptor[]> {
    const listed = await passkeys.listOf(userId ?? NO_ACCOUNT);
    return userId !== null && listed.length > 0 ? listed : decoyCredentials(decoyKey, usernameKey(username));
  }

  /** The passkey whose genuine, fresh assertion answers a challenge of `purpose`; its use recorded. */
  async function check(
    purpose: WebauthnPurpose,
    { challengeId, response }: PasskeyAssertion,
    expect: { userId?: number; mfaChallengeId?: string },
    context: RequestContext,
  ) {
    const challenge = await challenges.take(challengeId, purpose);
    if (!challenge) throw new Refusal('challenge-unknown-expired-or-used');
    if (expect.mfaChallengeId !== undefined && challenge.mfaChallengeId !== expect.mfaChallengeId) throw new Refusal('challenge-of-another-signin');
    const passkey = await passkeys.findByCredentialHash(sha256Hex(response.id));
    if (!passkey) throw new Refusal('unknown-credential');
    if (expect.userId !== undefined && passkey.userId !== expect.userId) throw new Refusal('credential-of-another-user', passkey);
    const handle = response.response.userHandle;
    if (handle && !userHandleMatches(handleKey, passkey.userId, handle)) throw new Refusal('user-handle-of-another-account', passkey);
    const verified = await verifyAssertion(rp, response, challengeMatcher(challenge.challengeHash), passkey);
    if (!verified.ok) throw new Refusal(`verification: ${verified.reason}`, passkey);
    const { counter } = verified.value;
    if (!counterAcceptable(passkey.counter, counter)) {
      await audit.record({
        type: 'passkey.counter_rejected',
        targetId: passkey.userId,
        context,
        details: { passkeyId: passkey.id, stored: passkey.counter, received: counter },
      });
      throw new Refusal('counter-not-increased', passkey);
    }
    // Atomic: of two requests with one assertion, only the first moves the counter on. Without a
    // counter (0 and 0) the row may not change at all (MySQL counts changed rows): the
    // single-use challenge is what stops a replay then.
    const moved = await passkeys.recordUse(passkey.id, passkey.counter, counter, new Date(clock.now()));
    if (!moved) {
      // No row moved: the passkey may be gone since it was looked up (removed, reset, its account deleted).
      if (!(await passkeys.findByCredentialHash(sha256Hex(response.id)))) throw new Refusal('credential-removed', passkey);
      if (counter !== 0) throw new Refusal('used-concurrently', passkey);
    }
    return passkey;
  }

  async function refused(error: unknown, type: 'signin.failure' | 'mfa.failure', context: RequestContext, userId?: number): Promise<never> {
    if (!(error instanceof Refusal)) throw error;
    // The account signing in: in the second step the mfaToken's, whoever's credential was shown.
    const targetId = userId ?? error.passkey?.userId;
    await audit.record({
      type,
      ...(targetId === undefined ? {} : { targetId }),
      context,
      details: { method: 'passkey', reason: error.reason, ...(error.passkey ? { passkeyId: error.passkey.id } : {}) },
    });
    throw passkeyRefused();
  }

  return {
    signinOptions: (named) => start('signin', async () => (named ? allowedFor(named) : []), {}),

    secondFactorOptions: (userId, mfaChallengeId) => start('mfa', () => passkeys.listOf(userId), { userId, mfaChallengeId }),

    async prove(assertion, context) {
      try {
        const passkey = await check('signin', assertion, {}, context);
        return { userId: passkey.userId, amr: [AMR.hardwareKey, 'user'] };
      } catch (error) {
        return refused(error, 'signin.failure', context);
      }
    },

    async proveSecondFactor(userId, mfaChallengeId, assertion, context) {
      try {
        await check('mfa', assertion, { userId, mfaChallengeId }, context);
        return { userId, amr: [AMR.hardwareKey] };
      } catch (error) {
        return refused(error, 'mfa.failure', context, userId);
      }
    },

    purgeChallenges: () => challenges.purge(),
  };
}
