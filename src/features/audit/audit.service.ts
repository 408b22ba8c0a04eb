import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import { clip, type RequestContext } from '../../lib/request-context.js';
import type { AuditQuery, AuditRepository, StoredAuditEvent } from './audit.repository.js';

/** The security events and administrative changes kept in `audit_events`. */
export const AUDIT_TYPES = [
  'signup',
  'signin.success',
  'signin.failure',
  'signin.throttled',
  'ratelimit.exceeded',
  'refresh.reuse',
  'user.email_changed',
  'user.password_changed',
  'user.password_check_failed',
  'admin.user_created',
  'admin.user_updated',
  'admin.user_deleted',
  'admin.sessions_revoked',
  'admin.role_created',
  'admin.role_deleted',
  'email.verification_sent',
  'email.verified',
  'password.reset_requested',
  'password.reset',
  'email.change_requested',
  'email.changed',
  // Second factors.
  'signin.mfa_required',
  'mfa.failure',
  'mfa.recovery_code_used',
  'mfa.totp_setup_started',
  'mfa.totp_enabled',
  'mfa.totp_disabled',
  'mfa.recovery_codes_replaced',
  'admin.mfa_reset',
  // Passkeys.
  'passkey.added',
  'passkey.renamed',
  'passkey.removed',
  'passkey.counter_rejected',
] as const;
export type AuditType = (typeof AUDIT_TYPES)[number];

export interface AuditEvent {
  type: AuditType;
  /** Who acted (a user id), when known. */
  actorId?: number | undefined;
  /** The account affected, when there is one. */
  targetId?: number | undefined;
  /** The username given, e.g. for a failed signin of an unknown account. */
  username?: string | undefined;
  context?: RequestContext | undefined;
  details?: Record<string, unknown> | undefined;
}

export interface AuditLog {
  /** Stores an event; a failure to store is logged, never passed on to the request. */
  record(event: AuditEvent): Promise<void>;
  list(query: AuditQuery): Promise<{ items: StoredAuditEvent[]; total: number }>;
}

export function createAuditLog({ events, clock, logger }: { events: AuditRepository; clock: Clock; logger: Logger }): AuditLog {
  return {
    async record(event) {
      try {
        await events.insert({
          type: event.type,
          actorId: event.actorId ?? null,
          targetId: event.targetId ?? null,
          username: clip(event.username, 255),
          ip: clip(event.context?.ip, 64),
          userAgent: clip(event.context?.userAgent, 255),
          details: event.details ? JSON.stringify(event.details) : null,
          createdAt: new Date(clock.now()),
        });
      } catch (error) {
        logger.warn({ err: error, type: event.type }, 'could not store an audit event');
      }
    },

    list: (query) => events.list(query),
  };
}
