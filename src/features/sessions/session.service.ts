import type { Transaction } from 'sequelize';
import type { Database } from '../../db/database.js';
import type { Clock } from '../../lib/clock.js';
import { constantTimeEqual } from '../../lib/crypto.js';
import { AppError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import { clip, type RequestContext } from '../../lib/request-context.js';
import type { AuditLog } from '../audit/audit.service.js';
import { generateRefreshToken, hashSecret, newId, parseRefreshToken } from './refresh-token.js';
import type { RevocationRepository } from './revocation.repository.js';
import type { RevocationList } from './revocation.service.js';
import type { RefreshTokenRecord, SessionRecord, SessionRepository } from './session.repository.js';

/*
 * A session starts at signin and is carried by a refresh token. With rotation on, every refresh
 * exchanges the token for a new one; presenting an exchanged token again means it was copied, so
 * the whole session ends (RFC 9700 §4.14.2). A session also ends when unused for the idle
 * lifetime, at its absolute lifetime, or at signout; its access tokens are then refused through
 * the revocation list.
 */

export type EndReason =
  | 'signout'
  | 'signout-all'
  | 'ended-by-user'
  | 'refresh-token-reuse'
  | 'account-disabled'
  | 'account-deleted'
  | 'roles-reduced'
  | 'password-changed'
  | 'revoked-by-admin';

export type SessionContext = RequestContext;

export interface OpenedSession {
  sessionId: string;
  refreshToken: string;
}

export interface RefreshedSession extends OpenedSession {
  userId: number;
}

export interface SessionService {
  open(userId: number, context: SessionContext): Promise<OpenedSession>;
  /** Exchanges a refresh token; 403 AppErrors for every failure. */
  refresh(token: string): Promise<RefreshedSession>;
  /** The session a genuine refresh token belongs to, whatever its state. */
  identify(token: string): Promise<{ sessionId: string; userId: number } | undefined>;
  end(sessionIds: readonly string[], reason: EndReason): Promise<void>;
  endAllOfUser(userId: number, reason: EndReason, except?: string): Promise<void>;
  /**
   * Ends the users' sessions inside the caller's transaction, so that they end only if the
   * change behind it commits. Call the returned function after the commit: it refuses their
   * access tokens in this instance at once (other instances read the revocations it wrote).
   */
  endAllOfUsersIn(trx: Transaction, userIds: readonly number[], reason: EndReason): Promise<() => void>;
  /** Ends one of the user's own sessions; false when it is not theirs or not active. */
  endOwn(userId: number, sessionId: string): Promise<boolean>;
  listActive(userId: number): Promise<SessionRecord[]>;
  /** Deletes ended sessions, old exchanged tokens and expired revocations, in small batches. */
  purge(): Promise<{ sessions: number; tokens: number; revocations: number }>;
  startJobs(): void;
  stopJobs(): void;
}

export interface SessionServiceDeps {
  db: Pick<Database, 'transaction'>;
  sessions: SessionRepository;
  revocations: RevocationRepository;
  revocationList: RevocationList;
  audit: AuditLog;
  clock: Clock;
  logger: Logger;
  config: { refreshTtlSeconds: number; maxAgeSeconds: number; rotation: boolean };
}

/** Exchanged tokens are kept this long to recognize their reuse, then purged. */
export const ROTATED_TOKEN_RETENTION_MS = 24 * 3600 * 1000;
const PURGE_INTERVAL_MS = 3600 * 1000;
const PURGE_BATCH = 500;

type RefreshOutcome =
  | { kind: 'ok'; session: RefreshedSession }
  | { kind: 'unknown' | 'revoked' | 'expired' }
  | { kind: 'reused'; sessionId: string; userId: number };

export function createSessionService(deps: SessionServiceDeps): SessionService {
  const { db, sessions, revocations, revocationList, audit, clock, logger, config } = deps;
  let purgeTimer: NodeJS.Timeout | undefined;

  function genuine(record: RefreshTokenRecord | null, secret: string): record is RefreshTokenRecord {
    return record !== null && constantTimeEqual(Buffer.from(hashSecret(secret)), Buffer.from(record.secretHash));
  }

  async function endInTransaction(ids: readonly string[], reason: EndReason): Promise<void> {
    const at = new Date(clock.now());
    const ended = await db.transaction(async (trx) => {
      const endedIds = await sessions.revoke(ids, reason, at, trx);
      await revocationList.record(endedIds, trx);
      return endedIds;
    });
    revocationList.apply(ended);
  }

  async function exchange(token: string): Promise<RefreshOutcome> {
    const parsed = parseRefreshToken(token);
    if (!parsed) return { kind: 'unknown' };
    const now = new Date(clock.now());
    return db.transaction(async (trx): Promise<RefreshOutcome> => {
      const record = await sessions.findToken(parsed.id, trx);
      if (!genuine(record, parsed.secret)) return { kind: 'unknown' };
      const { session } = record;
      if (session.revokedAt) return { kind: 'revoked' };
      const reuse = async (): Promise<RefreshOutcome> => {
        await sessions.revoke([session.id], 'refresh-token-reuse', now, trx);
        await revocationList.record([session.id], trx);
        return { kind: 'reused', sessionId: session.id, userId: session.userId };
      };
      if (record.rotatedAt) return reuse();
      if (session.idleExpiresAt <= now || session.expiresAt <= now) return { kind: 'expired' };

      let refreshToken = token;
      if (config.rotation) {
        if (!(await sessions.markRotated(record.id, now, trx))) return reuse();
        const next = generateRefreshToken();
        await sessions.addToken({ id: next.id, sessionId: session.id, secretHash: next.secretHash, createdAt: now }, trx);
        refreshToken = next.token;
      }
      const idleExpiresAt = new Date(Math.min(now.getTime() + config.refreshTtlSeconds * 1000, session.expiresAt.getTime()));
      await sessions.touch(session.id, now, idleExpiresAt, trx);
      return { kind: 'ok', session: { sessionId: session.id, userId: session.userId, refreshToken } };
    });
  }

  return {
    async open(userId, context) {
      const now = clock.now();
      const sessionId = newId();
      const token = generateRefreshToken();
      const expiresAt = new Date(now + config.maxAgeSeconds * 1000);
      await db.transaction((trx) =>
        sessions.create(
          {
            id: sessionId,
            userId,
            now: new Date(now),
            idleExpiresAt: new Date(Math.min(now + config.refreshTtlSeconds * 1000, expiresAt.getTime())),
            expiresAt,
            userAgent: clip(context.userAgent, 255),
            ip: clip(context.ip, 64),
          },
          { id: token.id, sessionId, secretHash: token.secretHash, createdAt: new Date(now) },
          trx,
        ),
      );
      return { sessionId, refreshToken: token.token };
    },

    async refresh(token) {
      const outcome = await exchange(token);
      switch (outcome.kind) {
        case 'ok':
          return outcome.session;
        case 'unknown':
          throw new AppError('REFRESH_TOKEN_NOT_FOUND');
        case 'revoked':
          throw new AppError('REFRESH_TOKEN_REVOKED');
        case 'expired':
          throw new AppError('REFRESH_TOKEN_EXPIRED');
        case 'reused':
          revocationList.apply([outcome.sessionId]);
          logger.warn({ sessionId: outcome.sessionId }, 'refresh token reused: session ended');
          await audit.record({
            type: 'refresh.reuse',
            targetId: outcome.userId,
            details: { sessionId: outcome.sessionId },
          });
          throw new AppError('REFRESH_TOKEN_REUSED');
      }
    },

    async identify(token) {
      const parsed = parseRefreshToken(token);
      if (!parsed) return undefined;
      const record = await sessions.findToken(parsed.id);
      if (!genuine(record, parsed.secret)) return undefined;
      return { sessionId: record.sessionId, userId: record.session.userId };
    },

    end: endInTransaction,

    async endAllOfUser(userId, reason, except) {
      const ids = (await sessions.activeIdsOfUser(userId)).filter((id) => id !== except);
      await endInTransaction(ids, reason);
    },

    async endAllOfUsersIn(trx, userIds, reason) {
      const ids: string[] = [];
      for (const userId of userIds) ids.push(...(await sessions.activeIdsOfUser(userId, trx)));
      const ended = await sessions.revoke(ids, reason, new Date(clock.now()), trx);
      await revocationList.record(ended, trx);
      return () => revocationList.apply(ended);
    },

    async endOwn(userId, sessionId) {
      const own = await sessions.activeIdsOfUser(userId);
      if (!own.includes(sessionId)) return false;
      await endInTransaction([sessionId], 'ended-by-user');
      return true;
    },

    listActive(userId) {
      return sessions.listActive(userId, new Date(clock.now()));
    },

    async purge() {
      const now = new Date(clock.now());
      const count = async (batch: () => Promise<number>) => {
        let total = 0;
        for (let n = await batch(); n > 0; n = await batch()) total += n;
        return total;
      };
      return {
        sessions: await count(() => sessions.purgeEnded(now, PURGE_BATCH)),
        tokens: await count(() =>
          sessions.purgeRotatedTokens(new Date(now.getTime() - ROTATED_TOKEN_RETENTION_MS), PURGE_BATCH),
        ),
        revocations: await count(() => revocations.purgeExpired(now, PURGE_BATCH)),
      };
    },

    startJobs() {
      if (purgeTimer) return;
      purgeTimer = setInterval(() => {
        this.purge()
          .then((purged) => logger.debug({ purged }, 'purged ended sessions'))
          .catch((error: unknown) => logger.warn({ err: error }, 'purging sessions failed; will retry'));
      }, PURGE_INTERVAL_MS);
      purgeTimer.unref();
    },

    stopJobs() {
      clearInterval(purgeTimer);
      purgeTimer = undefined;
    },
  };
}
