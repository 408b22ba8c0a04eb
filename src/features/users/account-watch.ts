import { epochSeconds, type Clock } from '../../lib/clock.js';
import type { UserService } from './user.service.js';

/**
 * Notices accounts that disappear or are disabled while their access tokens are still valid,
 * including rows deleted or changed with plain SQL behind Tokengate's back. A protected request only reads and writes two
 * in-memory maps; a timer checks, in batches, that the users behind recently accepted tokens
 * still exist, so their tokens are refused within one interval without any query per request.
 */
export interface AccountWatch {
  /** Records an accepted token; false when its account is gone. No I/O. */
  admit(claims: { id: number; iat: number; exp: number }): boolean;
  /** Checks the accounts behind recently accepted tokens; a background job calls it. */
  check(): Promise<void>;
}

const BATCH_SIZE = 500;

export interface AccountWatchDeps {
  users: Pick<UserService, 'activeIds'>;
  clock: Clock;
}

export function createAccountWatch({ users, clock }: AccountWatchDeps): AccountWatch {
  /** user id → latest expiry among its accepted tokens (epoch seconds) */
  const active = new Map<number, number>();
  /** user id → when its absence was noticed; tokens issued until then are refused */
  const gone = new Map<number, number>();

  async function runCheck(): Promise<void> {
    const now = epochSeconds(clock);
    for (const [id, exp] of active) if (exp <= now) active.delete(id);
    for (const [id, noticed] of gone) if (!active.has(id) && noticed < now - 86_400) gone.delete(id);
    const ids = [...active.keys()].filter((id) => !gone.has(id));
    for (let start = 0; start < ids.length; start += BATCH_SIZE) {
      const batch = ids.slice(start, start + BATCH_SIZE);
      const active = await users.activeIds(batch);
      for (const id of batch) if (!active.has(id)) gone.set(id, now);
    }
  }

  return {
    admit({ id, iat, exp }) {
      const noticed = gone.get(id);
      if (noticed !== undefined && iat <= noticed) return false;
      if ((active.get(id) ?? 0) < exp) active.set(id, exp);
      return true;
    },

    check: runCheck,
  };
}
