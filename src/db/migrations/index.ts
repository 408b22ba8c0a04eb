import { tutorialSchema } from './0001-tutorial-schema.js';
import { sessionsSchema } from './0002-sessions.js';
import { signingKeysSchema } from './0003-signing-keys.js';
import { accountsAndAuditSchema } from './0004-accounts-and-audit.js';
import { mailSchema } from './0006-mail.js';
import { secondFactorsSchema } from './0007-second-factors.js';
import { usernameSkeletonsSchema } from './0008-username-skeletons.js';
import { guardsSchema } from './0009-guards.js';
import { passkeysSchema } from './0010-passkeys.js';
import type { Migration } from './migration.js';

/** Every migration, in order. New ones are appended; the `up` of an applied one is never edited. */
export const migrations: Migration[] = [
  tutorialSchema,
  sessionsSchema,
  signingKeysSchema,
  accountsAndAuditSchema,
  mailSchema,
  secondFactorsSchema,
  usernameSkeletonsSchema,
  guardsSchema,
  passkeysSchema,
];
