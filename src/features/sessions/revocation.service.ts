import { performance } from 'node:perf_hooks';
import type { Transaction } from 'sequelize';
import type { Clock } from '../../lib/clock.js';
import type { RevocationRepository } from './revocation.repository.js';

/**
 * The in-memory list of ended sessions whose access tokens must be refused. A protected request
 * only asks `isRevoked(sid)` (a map lookup). Ending a session writes a row to `revocations` in
 * the same transaction; every instance polls that small table and learns of it within one poll
 * interval. Entries live as long as an access token could: then the token has expired anyway.
 */
export interface RevocationList {
  isRevoked(sessionId: string): boolean;
  /** Records ended sessions for every instance, in the caller's transaction. */
  record(sessionIds: readonly string[], trx?: Transaction): Promise<void>;
  /** Refuses their tokens in this instance at once (call after the transaction commits). */
  apply(sessionIds: readonly string[]): void;
  /** Reads revocations written since the last poll (by any instance); a background job calls it. */
  poll(): Promise<void>;
}

export interface RevocationListDeps {
  revocations: RevocationRepository;
  clock: Clock;
  /** How long an entry must live: the longest access-token lifetime, plus clock leeway. */
  entryTtlSeconds: number;
}

const PAGE = 1000;
/**
 * Row ids are assigned when a transaction inserts, so rows can become visible out of id order.
 * Ids at or below the highest id seen this long ago belong to transactions that have surely
 * finished, so polls need not read them again.
 */
const SETTLE_MS = 30_000;

export function createRevocationList(deps: RevocationListDeps): RevocationList {
  const { revocations, clock } = deps;
  const revoked = new Map<string, number>();
  const observations: Array<{ maxId: number; at: number }> = [];
  let settledId = 0;
  let maxSeen = 0;

  function expiry(): number {
    return clock.now() + deps.entryTtlSeconds * 1000;
  }

  function settle(): void {
    const at = performance.now();
    observations.push({ maxId: maxSeen, at });
    while (observations.length > 1 && observations[1]!.at <= at - SETTLE_MS) observations.shift();
    const oldest = observations[0]!;
    if (oldest.at <= at - SETTLE_MS) settledId = Math.max(settledId, oldest.maxId);
  }

  async function readNew(): Promise<void> {
    const now = clock.now();
    let cursor = settledId;
    for (;;) {
      const page = await revocations.after(cursor, new Date(now), PAGE);
      for (const row of page) {
        revoked.set(row.sessionId, row.expiresAt.getTime());
        maxSeen = Math.max(maxSeen, row.id);
      }
      if (page.length < PAGE) break;
      cursor = page.at(-1)!.id;
    }
    settle();
    for (const [sessionId, expiresAt] of revoked) if (expiresAt <= now) revoked.delete(sessionId);
  }

  return {
    isRevoked(sessionId) {
      const expiresAt = revoked.get(sessionId);
      return expiresAt !== undefined && expiresAt > clock.now();
    },

    async record(sessionIds, trx) {
      await revocations.insert(sessionIds, new Date(expiry()), new Date(clock.now()), trx);
    },

    apply(sessionIds) {
      const expiresAt = expiry();
      for (const id of sessionIds) revoked.set(id, expiresAt);
    },

    poll: readNew,
  };
}
