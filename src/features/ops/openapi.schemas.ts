import { z } from 'zod';

/*
 * The shapes of Tokengate's answers, for the OpenAPI document. Requests are described by the
 * very schemas that validate them (imported by openapi.ts); answers by these.
 */

export const errorBody = z
  .object({
    message: z.string().describe('What went wrong, for a person.'),
    code: z.string().describe('A stable UPPER_SNAKE code, for a program.'),
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .describe('Validation errors, one per field.'),
  })
  .meta({ id: 'Error' });

export const messageBody = z.object({ message: z.string() }).meta({ id: 'Message' });

export const tokenPair = z
  .object({
    accessToken: z.string().describe('JWT access token (omitted with cookie transport).'),
    refreshToken: z.string().describe('Opaque refresh token (omitted with cookie transport).'),
    tokenType: z.literal('Bearer'),
    expiresIn: z.number().int().describe('Access-token lifetime in seconds.'),
  })
  .meta({ id: 'TokenPair' });

export const signinResult = tokenPair
  .extend({
    id: z.number().int(),
    username: z.string(),
    email: z.string(),
    roles: z.array(z.string()).describe('Authorities, e.g. ROLE_USER, ROLE_ADMIN.'),
  })
  .meta({ id: 'SigninResult' });

export const user = z
  .object({
    id: z.number().int(),
    username: z.string(),
    email: z.string(),
    roles: z.array(z.string()).describe('Role names, e.g. user, moderator, admin.'),
    disabled: z.boolean(),
    createdAt: z.string().describe('ISO 8601 time.'),
  })
  .meta({ id: 'User' });

const paged = <T extends z.ZodType>(item: T, id: string) =>
  z
    .object({
      items: z.array(item),
      total: z.number().int(),
      page: z.number().int(),
      size: z.number().int(),
      pages: z.number().int(),
    })
    .meta({ id });

export const userPage = paged(user, 'UserPage');

export const session = z
  .object({
    id: z.string(),
    current: z.boolean().describe('True for the session of the access token used.'),
    createdAt: z.string(),
    lastUsedAt: z.string(),
    expiresAt: z.string(),
    userAgent: z.string().nullable(),
    ip: z.string().nullable(),
  })
  .meta({ id: 'Session' });

export const sessionList = z.object({ sessions: z.array(session) }).meta({ id: 'SessionList' });

export const role = z
  .object({ id: z.number().int(), name: z.string(), builtin: z.boolean(), users: z.number().int() })
  .meta({ id: 'Role' });

export const roleList = z.object({ roles: z.array(role) }).meta({ id: 'RoleList' });

export const auditEvent = z
  .object({
    id: z.number().int(),
    type: z.string(),
    actorId: z.number().int().nullable(),
    targetId: z.number().int().nullable(),
    username: z.string().nullable(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'AuditEvent' });

export const auditPage = paged(auditEvent, 'AuditPage');

export const jwks = z
  .object({ keys: z.array(z.record(z.string(), z.unknown()).describe('A public JWK with kid, alg and use.')) })
  .meta({ id: 'JWKS' });

export const health = z
  .object({ status: z.literal('ok'), pid: z.number().int(), uptimeSeconds: z.number() })
  .meta({ id: 'Health' });
export const ready = z.object({ status: z.literal('ready'), database: z.literal('up') }).meta({ id: 'Ready' });

/** Request bodies described here (not registered: converted inline, like the validating schemas). */
export const refreshRequest = z.object({
  refreshToken: z.string().optional().describe('May be left out with cookie transport (the tg_refresh cookie is used).'),
});
