import { purgeInBatches } from '../../lib/batches.js';
import type { Clock } from '../../lib/clock.js';
import { constantTimeEqual, randomToken, sha256Hex } from '../../lib/crypto.js';
import { AppError } from '../../lib/errors.js';
import { amrFromText, amrToText, combineAmr, type Proof } from '../../lib/proof.js';
import type { FoundMfaChallenge, MfaChallengeRepository } from './mfa-challenge.repository.js';

/*
 * A signin whose password was right but whose account has a second factor gets an `mfaToken`
 * instead of tokens: `<id>.<secret>`, a 128-bit row id and a 256-bit secret of which only the
 * SHA-256 hash is stored. It lives 5 minutes, is used up by one right code, and dies after
 * 5 attempts; each attempt is counted before its code is checked, so that concurrent guesses
 * cannot get past that number.
 */

export const MFA_TOKEN_TTL_SECONDS = 300;
export const MFA_MAX_ATTEMPTS = 5;
const FORMAT = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

export interface MfaChallenges {
  /** A new mfaToken for the first step's proof. */
  issue(proof: Proof): Promise<string>;
  /**
   * Runs `secondStep` for the user of a genuine, unused, unexpired token with attempts left,
   * then uses the token up; the proof of both steps. 401 MFA_TOKEN_INVALID otherwise.
   */
  redeem<P extends Proof>(token: string, secondStep: (userId: number, challengeId: string) => Promise<P>): Promise<P>;
  /**
   * The user and challenge id of a token that could be redeemed now (genuine, unused, unexpired,
   * attempts left), without counting an attempt: for preparing the second step (passkey options).
   */
  peek(token: string): Promise<{ userId: number; challengeId: string }>;
  /** Deletes expired challenges, in batches. */
  purge(): Promise<number>;
}

const invalid = () => new AppError('MFA_TOKEN_INVALID');

export function createMfaChallenges({ challenges, clock }: { challenges: MfaChallengeRepository; clock: Clock }): MfaChallenges {
  /** The stored challenge of a well-formed token whose secret matches. */
  async function genuine(token: string): Promise<FoundMfaChallenge> {
    const match = FORMAT.exec(token);
    if (!match) throw invalid();
    const challenge = await challenges.find(match[1]!);
    if (!challenge || !constantTimeEqual(Buffer.from(sha256Hex(match[2]!)), Buffer.from(challenge.secretHash))) throw invalid();
    return challenge;
  }

  return {
    async issue(proof) {
      const id = randomToken(16);
      const secret = randomToken(32);
      const now = clock.now();
      await challenges.create({
        id,
        secretHash: sha256Hex(secret),
        userId: proof.userId,
        amr: amrToText(proof.amr),
        createdAt: new Date(now),
        expiresAt: new Date(now + MFA_TOKEN_TTL_SECONDS * 1000),
      });
      return `${id}.${secret}`;
    },

    async redeem(token, secondStep) {
      const challenge = await genuine(token);
      if (!(await challenges.reserveAttempt(challenge.id, new Date(clock.now()), MFA_MAX_ATTEMPTS))) throw invalid();
      const second = await secondStep(challenge.userId, challenge.id);
      if (!(await challenges.markUsed(challenge.id, new Date(clock.now())))) throw invalid();
      return { ...second, userId: challenge.userId, amr: combineAmr(amrFromText(challenge.amr), second.amr) };
    },

    async peek(token) {
      const challenge = await genuine(token);
      const usable = !challenge.used && challenge.expiresAt.getTime() > clock.now() && challenge.attempts < MFA_MAX_ATTEMPTS;
      if (!usable) throw invalid();
      return { userId: challenge.userId, challengeId: challenge.id };
    },

    purge() {
      const now = new Date(clock.now());
      return purgeInBatches((limit) => challenges.purgeExpired(now, limit));
    },
  };
}
