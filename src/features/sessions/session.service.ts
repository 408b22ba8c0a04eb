import type { Transaction } from 'sequelize';
import type { Database } from '../../db/database.js';
import type { Clock } from '../../lib/clock.js';
import { constantTimeEqual } from '../../lib/crypto.js';
import { purgeInBatches } from '../../lib/batches.js';
import { AppError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { Proof } from '../../lib/proof.js';
import { clip, type RequestContext } from '../../lib/request-context.js';
import type { AuditLog } from '../audit/audit.service.js';
import type { TokenService } from '../tokens/token.service.js';
import { generateRefreshToken, hashSecret, newId, parseRefreshToken, successorOf } from './refresh-token.js';
import type { RevocationRepository } from './revocation.repository.js';
import type { RevocationList } from './revocation.service.js';
import type { RefreshTokenRecord, SessionRecord, SessionRepository } from './session.repository.js';
import type { EndReason, EndTarget, StartedSession, Subject, TokenPair } from './session.types.js';

/*
 * A session starts when a credential has proven who someone is, and is carried by a refresh
 * token. With rotation on, every refresh exchanges the token for a new one; presenting an
 * exchanged token again means it was copied, so the whole session ends (RFC 9700 §4.14.2). A
 * session also ends when unused for the idle lifetime, at its absolute lifetime, or at signout;
 * its access tokens are then refused through the revocation list.
 */

export type { EndReason, EndTarget, StartedSession, Subject, TokenPair } from './session.types.js';

export interface SessionService {
  /** Starts a session for a proven identity and issues its first tokens. */
  start(proof: Proof, context: RequestContext): Promise<StartedSession>;
  /** Exchanges a refresh token for new tokens; 403 AppErrors for every failure. */
  refresh(token: string): Promise<TokenPair>;
  /** The session a genuine refresh token belongs to, whatever its state. */
  identify(token: string): Promise<{ sessionId: string; userId: number; live: boolean } | undefined>;
  /**
   * Ends sessions, inside `trx` when given (so that they end only if the change behind it
   * commits). Their access tokens are refused in this instance once the transaction commits,
   * and in every other instance at its next revocation poll. Returns the ids it ended.
   */
  end(target: EndTarget, reason: EndReason, trx?: Transaction): Promise<string[]>;
  /** Ends one of the user's own sessions; false when it is not theirs or not active. */
  endOwn(userId: number, sessionId: string): Promise<boolean>;
  listActive(userId: number): Promise<SessionRecord[]>;
  /** Deletes ended sessions, old exchanged tokens and expired revocations, in small batches. */
  purge(): Promise<{ sessions: number; tokens: number; revocations: number }>;
}

export interface SessionServiceDeps {
  db: Pick<Database, 'transaction'>;
  sessions: SessionRepository;
  revocations: RevocationRepository;
  revocationList: RevocationList;
  tokens: TokenService;
  /** The account behind a session (the users feature answers). */
  subjects: (userId: number) => Promise<Subject | null>;
  audit: AuditLog;
  clock: Clock;
  logger: Logger;
  /** Derives the successor of a rotated refresh token (the same on every instance). */
  successorKey: Buffer;
  config: { refreshTtlSeconds: number; maxAgeSeconds: number; rotation: boolean; reuseIntervalSeconds: number; maxPerUser: number };
}

/**
 * A refresh writes the session's last use only when that moves its idle expiry by more than
 * this fraction of REFRESH_TOKEN_TTL (7 days: about 100 minutes): a client refreshing often
 * costs a read, not a write, each time.
 */
export const TOUCH_FRACTION = 0.01;

/** Exchanged tokens are kept this long to recognize their reuse, then purged. */
export const ROTATED_TOKEN_RETENTION_MS = 24 * 3600 * 1000;

type RefreshOutcome =
  | { kind: 'ok'; sessionId: string; userId: number; refreshToken: string; amr: readonly string[] }
  | { kind: 'unknown' | 'revoked' | 'expired' }
  | { kind: 'reused'; sessionId: string; userId: number };

export function createSessionService(deps: SessionServiceDeps): SessionService {
  const { db, sessions, revocations, revocationList, tokens, subjects, audit, clock, logger, config } = deps;

  function genuine(record: RefreshTokenRecord | null, secret: string): record is RefreshTokenRecord {
    return record !== null && constantTimeEqual(Buffer.from(hashSecret(secret)), Buffer.from(record.secretHash));
  }

  async function endIn(trx: Transaction, target: EndTarget, reason: EndReason): Promise<string[]> {
    const ids =
      'sessionIds' in target
        ? target.sessionIds
        : (await sessions.activeIdsOfUsers(target.userIds, trx)).filter((id) => id !== target.except);
    const ended = await sessions.revoke(ids, reason, new Date(clock.now()), trx);
    await revocationList.record(ended, trx);
    trx.afterCommit(() => revocationList.apply(ended));
    return ended;
  }

  function pair(subject: Subject, sessionId: string, refreshToken: string, amr: readonly string[]): TokenPair {
    const access = tokens.issueAccessToken({ id: subject.id, roles: subject.roles, sessionId, amr, emailVerified: subject.emailVerified });
    return { accessToken: access.token, refreshToken, tokenType: 'Bearer', expiresIn: access.expiresIn };
  }

  const reuseIntervalMs = config.reuseIntervalSeconds * 1000;

  /**
   * The successor of a token that was rotated a moment ago (parallel tabs, a retried request):
   * the same one the first exchange made, or undefined when the grace has passed or the
   * successor is no longer the session's live token.
   */
  async function successorWithinGrace(token: string, rotatedAt: Date, now: Date, trx: Transaction): Promise<string | undefined> {
    if (reuseIntervalMs === 0 || now.getTime() - rotatedAt.getTime() > reuseIntervalMs) return undefined;
    const successor = successorOf(token, deps.successorKey);
    const record = await sessions.findToken(successor.id, trx, true);
    return record && !record.rotatedAt && record.secretHash === successor.secretHash ? successor.token : undefined;
  }

  /**
   * The idle expiry a refresh now gives the session, or undefined when it would move it by less
   * than TOUCH_FRACTION of the idle lifetime: then the refresh writes nothing to the session
   * (its idle expiry stays within that fraction of exact).
   */
  function touchDue(session: SessionRecord, now: Date): Date | undefined {
    const idleExpiresAt = new Date(Math.min(now.getTime() + config.refreshTtlSeconds * 1000, session.expiresAt.getTime()));
    const moved = idleExpiresAt.getTime() - session.idleExpiresAt.getTime();
    return moved > config.refreshTtlSeconds * 1000 * TOUCH_FRACTION ? idleExpiresAt : undefined;
  }

  async function exchange(token: string): Promise<RefreshOutcome> {
    const parsed = parseRefreshToken(token);
    if (!parsed) return { kind: 'unknown' };
    const now = new Date(clock.now());
    if (!config.rotation) {
      // Nothing is exchanged: one read, and at most one write of its own, the idle expiry. A
      // token rotated while rotation was on still goes through reuse detection below.
      const record = await sessions.findToken(parsed.id);
      if (!genuine(record, parsed.secret)) return { kind: 'unknown' };
      const { session } = record;
      if (session.revokedAt) return { kind: 'revoked' };
      if (!record.rotatedAt) {
        if (session.idleExpiresAt <= now || session.expiresAt <= now) return { kind: 'expired' };
        const idleExpiresAt = touchDue(session, now);
        if (idleExpiresAt) await sessions.touch(session.id, now, idleExpiresAt);
        return { kind: 'ok', sessionId: session.id, userId: session.userId, refreshToken: token, amr: session.amr };
      }
    }
    return db.transaction(async (trx): Promise<RefreshOutcome> => {
      const record = await sessions.findToken(parsed.id, trx);
      if (!genuine(record, parsed.secret)) return { kind: 'unknown' };
      const { session } = record;
      if (session.revokedAt) return { kind: 'revoked' };
      const ok = (refreshToken: string): RefreshOutcome => ({ kind: 'ok', sessionId: session.id, userId: session.userId, refreshToken, amr: session.amr });
      const replayOrReuse = async (rotatedAt: Date): Promise<RefreshOutcome> => {
        const successor = await successorWithinGrace(token, rotatedAt, now, trx);
        if (successor) return ok(successor);
        await endIn(trx, { sessionIds: [session.id] }, 'refresh-token-reuse');
        return { kind: 'reused', sessionId: session.id, userId: session.userId };
      };
      if (record.rotatedAt) return replayOrReuse(record.rotatedAt);
      if (session.idleExpiresAt <= now || session.expiresAt <= now) return { kind: 'expired' };

      let refreshToken = token;
      if (config.rotation) {
        // Another exchange of this token committed since it was read: the same race as above.
        if (!(await sessions.markRotated(record.id, now, trx))) return replayOrReuse(now);
        const next = successorOf(token, deps.successorKey);
        await sessions.addToken({ id: next.id, sessionId: session.id, secretHash: next.secretHash, createdAt: now }, trx);
        refreshToken = next.token;
      }
      const idleExpiresAt = touchDue(session, now);
      if (idleExpiresAt) await sessions.touch(session.id, now, idleExpiresAt, trx);
      return ok(refreshToken);
    });
  }

  const service: SessionService = {
    async start(proof, context) {
      const subject = await subjects(proof.userId);
      // Deleted or disabled since the credential was checked: a race, refused like bad credentials.
      if (!subject || subject.disabled) throw new AppError('INVALID_CREDENTIALS', undefined, { body: { accessToken: null } });
      const now = clock.now();
      const sessionId = newId();
      const token = generateRefreshToken();
      const expiresAt = new Date(now + config.maxAgeSeconds * 1000);
      await db.transaction(async (trx) => {
        await sessions.create(
          {
            id: sessionId,
            userId: subject.id,
            now: new Date(now),
            idleExpiresAt: new Date(Math.min(now + config.refreshTtlSeconds * 1000, expiresAt.getTime())),
            expiresAt,
            userAgent: clip(context.userAgent, 255),
            ip: clip(context.ip, 64),
            amr: proof.amr,
          },
          { id: token.id, sessionId, secretHash: token.secretHash, createdAt: new Date(now) },
          trx,
        );
        // At most MAX_SESSIONS_PER_USER live sessions: a new one ends the oldest.
        const surplus = await sessions.activeIdsBeyond(subject.id, config.maxPerUser, new Date(now), trx);
        if (surplus.length > 0) await endIn(trx, { sessionIds: surplus }, 'session-limit');
      });
      return { sessionId, subject, ...pair(subject, sessionId, token.token, proof.amr) };
    },

    async refresh(token) {
      const outcome = await exchange(token);
      switch (outcome.kind) {
        case 'unknown':
          throw new AppError('REFRESH_TOKEN_NOT_FOUND');
        case 'revoked':
          throw new AppError('REFRESH_TOKEN_REVOKED');
        case 'expired':
          throw new AppError('REFRESH_TOKEN_EXPIRED');
        case 'reused':
          logger.warn({ sessionId: outcome.sessionId }, 'refresh token reused: session ended');
          await audit.record({ type: 'refresh.reuse', targetId: outcome.userId, details: { sessionId: outcome.sessionId } });
          throw new AppError('REFRESH_TOKEN_REUSED');
        case 'ok':
          break;
      }
      // Read again, so that a refreshed token carries the account's current roles.
      const subject = await subjects(outcome.userId);
      if (!subject) throw new AppError('REFRESH_TOKEN_NOT_FOUND');
      if (subject.disabled) {
        await service.end({ sessionIds: [outcome.sessionId] }, 'account-disabled');
        throw new AppError('REFRESH_TOKEN_REVOKED');
      }
      // The session's amr: a refresh proves nothing new, and loses nothing its signin proved.
      return pair(subject, outcome.sessionId, outcome.refreshToken, outcome.amr);
    },

    async identify(token) {
      const parsed = parseRefreshToken(token);
      if (!parsed) return undefined;
      const record = await sessions.findToken(parsed.id);
      if (!genuine(record, parsed.secret)) return undefined;
      const { session } = record;
      const now = clock.now();
      // A live token: the current one of a session that has not ended.
      const live = !record.rotatedAt && !session.revokedAt && session.idleExpiresAt.getTime() > now && session.expiresAt.getTime() > now;
      return { sessionId: record.sessionId, userId: session.userId, live };
    },

    end(target, reason, trx) {
      return trx ? endIn(trx, target, reason) : db.transaction((own) => endIn(own, target, reason));
    },

    async endOwn(userId, sessionId) {
      const own = await sessions.activeIdsOfUsers([userId]);
      if (!own.includes(sessionId)) return false;
      await service.end({ sessionIds: [sessionId] }, 'ended-by-user');
      return true;
    },

    listActive(userId) {
      return sessions.listActive(userId, new Date(clock.now()));
    },

    async purge() {
      const now = new Date(clock.now());
      return {
        sessions: await purgeInBatches((limit) => sessions.purgeEnded(now, limit)),
        tokens: await purgeInBatches((limit) => sessions.purgeRotatedTokens(new Date(now.getTime() - ROTATED_TOKEN_RETENTION_MS), limit)),
        revocations: await purgeInBatches((limit) => revocations.purgeExpired(now, limit)),
      };
    },
  };
  return service;
}
