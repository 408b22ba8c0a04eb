import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import { clip, type RequestContext } from '../../lib/request-context.js';
import type { AuditRepository } from './audit.repository.js';

/** The security events and administrative changes kept in `audit_events`. */
export type AuditType =
  | 'signup'
  | 'signin.success'
  | 'signin.failure'
  | 'signin.throttled'
  | 'ratelimit.exceeded'
  | 'refresh.reuse';

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
  };
}
