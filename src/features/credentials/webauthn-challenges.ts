import { purgeInBatches } from '../../lib/batches.js';
import type { Clock } from '../../lib/clock.js';
import { randomToken, sha256Hex } from '../../lib/crypto.js';
import type { WebauthnChallengeRecord, WebauthnChallengeRepository, WebauthnPurpose } from './webauthn-challenge.repository.js';

/*
 * The challenge of a WebAuthn ceremony is kept in the database (any instance may receive the
 * browser's answer): a random `challengeId` names it, only the challenge's SHA-256 is stored,
 * it is bound to its purpose (and to the registering user, or to the mfaToken), lives 5 minutes
 * and is taken once: a DELETE whose row count decides.
 */

export const WEBAUTHN_CHALLENGE_TTL_SECONDS = 300;
const ID_FORMAT = /^[A-Za-z0-9_-]{22}$/;

export interface IssuedChallenge {
  challengeId: string;
  /** base64url, for the options. */
  challenge: string;
}

export interface WebauthnChallenges {
  issue(purpose: WebauthnPurpose, binding?: { userId?: number; mfaChallengeId?: string }): Promise<IssuedChallenge>;
  /** The challenge of this id and purpose, used up; null when unknown, expired, used, or of another purpose. */
  take(challengeId: string, purpose: WebauthnPurpose): Promise<WebauthnChallengeRecord | null>;
  purge(): Promise<number>;
}

export function createWebauthnChallenges({ challenges, clock }: { challenges: WebauthnChallengeRepository; clock: Clock }): WebauthnChallenges {
  return {
    async issue(purpose, binding = {}) {
      const challengeId = randomToken(16);
      const challenge = randomToken(32);
      const now = clock.now();
      await challenges.create({
        id: challengeId,
        purpose,
        challengeHash: sha256Hex(challenge),
        userId: binding.userId ?? null,
        mfaChallengeId: binding.mfaChallengeId ?? null,
        createdAt: new Date(now),
        expiresAt: new Date(now + WEBAUTHN_CHALLENGE_TTL_SECONDS * 1000),
      });
      return { challengeId, challenge };
    },

    async take(challengeId, purpose) {
      if (!ID_FORMAT.test(challengeId)) return null;
      return challenges.take(challengeId, purpose, new Date(clock.now()));
    },

    purge() {
      const now = new Date(clock.now());
      return purgeInBatches((limit) => challenges.purgeExpired(now, limit));
    },
  };
}
