import type { Database } from '../../db/database.js';

export interface NewAuditEvent {
  type: string;
  actorId: number | null;
  targetId: number | null;
  username: string | null;
  ip: string | null;
  userAgent: string | null;
  details: string | null;
  createdAt: Date;
}

export interface AuditRepository {
  insert(event: NewAuditEvent): Promise<void>;
}

export function createAuditRepository(db: Database): AuditRepository {
  const { AuditEvent } = db.models;
  return {
    async insert(event) {
      await AuditEvent.create(event);
    },
  };
}
