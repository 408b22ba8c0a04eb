import { z } from 'zod';
import { signinSchema, signoutSchema, signupSchema } from '../auth/auth.schemas.js';
import { auditQuerySchema } from '../audit/audit.routes.js';
import { newRoleSchema } from '../roles/role.routes.js';
import {
  emailChangeSchema,
  newUserSchema,
  passwordChangeSchema,
  userListQuerySchema,
  userPatchSchema,
} from '../users/user.schemas.js';
// Importing the shapes also registers them (their `meta({ id })`) as components.
import { refreshRequest } from './openapi.schemas.js';

/*
 * The OpenAPI 3.1 document. Request bodies and query parameters are converted from the zod
 * schemas that validate them, so the document cannot drift from the validation.
 */

type JsonSchema = Record<string, unknown>;
type Responses = Record<number, string | [string, JsonSchema]>;

interface Operation {
  summary: string;
  tags: string[];
  /** Who may call it: nobody needs a token by default. */
  auth?: 'token' | 'admin' | 'metrics';
  body?: z.ZodType;
  query?: z.ZodObject;
  path?: Record<string, JsonSchema>;
  responses: Responses;
  description?: string;
}

/** A request schema, inline (response shapes are components, referred to with ref()). */
function jsonSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  return rest;
}

const ref = (id: string): JsonSchema => ({ $ref: `#/components/schemas/${id}` });
const text = { type: 'string' };
const json = (schema: JsonSchema) => ({ 'application/json': { schema } });

const ERRORS: Record<number, string> = {
  400: 'Invalid request: a JSON error naming each bad field.',
  401: 'The access token is invalid or expired: refresh it.',
  403: 'No token, or not allowed.',
  404: 'Not found.',
  409: 'Conflict.',
  413: 'Body over 16 KB.',
  415: 'Unsupported content type.',
  429: 'Too many requests; see Retry-After.',
  503: 'Busy or the database is unavailable; see Retry-After.',
};

function operation(op: Operation): JsonSchema {
  const security = {
    token: [{ bearerAuth: [] }, { accessTokenHeader: [] }, { cookieAuth: [] }],
    admin: [{ bearerAuth: [] }, { accessTokenHeader: [] }, { cookieAuth: [] }],
    metrics: [{ metricsToken: [] }, {}],
  };
  const parameters = [
    ...Object.entries(op.path ?? {}).map(([name, schema]) => ({ name, in: 'path', required: true, schema })),
    ...Object.entries(op.query?.shape ?? {}).map(([name, field]) => ({
      name,
      in: 'query',
      required: !(field as z.ZodType).safeParse(undefined).success,
      schema: jsonSchema(field as z.ZodType),
    })),
  ];
  const responses = Object.fromEntries(
    Object.entries(op.responses).map(([status, answer]) => {
      const [description, schema] = typeof answer === 'string' ? [answer, undefined] : answer;
      const content = schema ? (schema === text ? { 'text/plain': { schema } } : json(schema)) : Number(status) >= 400 ? json(ref('Error')) : undefined;
      return [status, { description, ...(content ? { content } : {}) }];
    }),
  );
  return {
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    tags: op.tags,
    ...(op.auth ? { security: security[op.auth] } : { security: [] }),
    ...(parameters.length ? { parameters } : {}),
    ...(op.body
      ? {
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: jsonSchema(op.body) },
              'application/x-www-form-urlencoded': { schema: jsonSchema(op.body) },
            },
          },
        }
      : {}),
    responses,
  };
}

const e = (...statuses: number[]): Responses => Object.fromEntries(statuses.map((s) => [s, ERRORS[s] ?? 'Error']));
const protectedErrors = e(401, 403, 429);
const adminErrors = e(400, 401, 403);
const idPath = { id: { type: 'integer', minimum: 1 } };

function paths(): Record<string, Record<string, JsonSchema>> {
  const o = operation;
  const board = (summary: string, body: string, role?: string): JsonSchema =>
    o({
      summary,
      tags: ['tutorial boards'],
      ...(role !== undefined ? { auth: 'token' as const } : {}),
      responses: { 200: [body, text], ...(role !== undefined ? e(401, 403) : {}) },
      ...(role ? { description: `Requires the ${role} role (or one that contains it).` } : {}),
    });
  return {
    '/': { get: o({ summary: 'Says that the service runs.', tags: ['operations'], responses: { 200: ['Running.', ref('Message')] } }) },
    '/api/auth/signup': {
      post: o({ summary: 'Register an account.', tags: ['auth'], body: signupSchema, responses: { 200: ['Registered.', ref('Message')], ...e(400, 403, 413, 415, 429, 503) } }),
    },
    '/api/auth/signin': {
      post: o({ summary: 'Sign in: tokens and the account.', tags: ['auth'], body: signinSchema, responses: { 200: ['Signed in.', ref('SigninResult')], ...e(400, 401, 429, 503) } }),
    },
    '/api/auth/refreshtoken': {
      post: o({
        summary: 'Exchange a refresh token for new tokens.',
        description: 'Every failure is a 403 (never 401). With rotation, the refresh token in the answer replaces the one sent.',
        tags: ['auth'],
        body: refreshRequest,
        responses: { 200: ['New tokens.', ref('TokenPair')], ...e(403, 429) },
      }),
    },
    '/api/auth/signout': {
      post: o({ summary: 'End this session, or all of them with {"all": true}.', tags: ['auth'], body: signoutSchema, responses: { 200: ['Signed out.', ref('Message')], ...e(400) } }),
    },
    '/api/auth/sessions': {
      get: o({ summary: "The caller's sessions.", tags: ['sessions'], auth: 'token', responses: { 200: ['Sessions.', ref('SessionList')], ...protectedErrors } }),
    },
    '/api/auth/sessions/{id}': {
      delete: o({ summary: "End one of the caller's sessions.", tags: ['sessions'], auth: 'token', path: { id: text }, responses: { 200: ['Ended.', ref('Message')], ...protectedErrors, ...e(404) } }),
    },
    '/api/test/all': { get: board('Public content.', 'Public Content.') },
    '/api/test/user': { get: board('Content for any signed-in user.', 'User Content.', '') },
    '/api/test/mod': { get: board('Content for moderators.', 'Moderator Content.', 'moderator') },
    '/api/test/admin': { get: board('Content for admins.', 'Admin Content.', 'admin') },
    '/api/users/me': {
      get: o({ summary: "The caller's account.", tags: ['self-service'], auth: 'token', responses: { 200: ['The account.', ref('User')], ...protectedErrors } }),
      patch: o({ summary: "Change the caller's email.", tags: ['self-service'], auth: 'token', body: emailChangeSchema, responses: { 200: ['The account.', ref('User')], ...protectedErrors, ...e(400) } }),
    },
    '/api/users/me/password': {
      post: o({
        summary: "Change the caller's password; ends every other session.",
        tags: ['self-service'],
        auth: 'token',
        body: passwordChangeSchema,
        responses: { 200: ['Changed.', ref('Message')], ...protectedErrors, ...e(400) },
      }),
    },
    '/api/admin/users': {
      get: o({ summary: 'List and search users.', tags: ['administration'], auth: 'admin', query: userListQuerySchema, responses: { 200: ['A page of users.', ref('UserPage')], ...adminErrors } }),
      post: o({ summary: 'Create a user with any roles.', tags: ['administration'], auth: 'admin', body: newUserSchema, responses: { 201: ['Created.', ref('User')], ...adminErrors } }),
    },
    '/api/admin/users/{id}': {
      get: o({ summary: 'One user.', tags: ['administration'], auth: 'admin', path: idPath, responses: { 200: ['The user.', ref('User')], ...adminErrors, ...e(404) } }),
      patch: o({
        summary: "Change a user's roles, disabled flag or email.",
        description: 'Removing a role or disabling ends the user’s sessions. 409 when no active admin would remain.',
        tags: ['administration'],
        auth: 'admin',
        path: idPath,
        body: userPatchSchema,
        responses: { 200: ['The user.', ref('User')], ...adminErrors, ...e(404, 409) },
      }),
      delete: o({ summary: 'Delete a user and end their sessions.', tags: ['administration'], auth: 'admin', path: idPath, responses: { 200: ['Deleted.', ref('Message')], ...adminErrors, ...e(404, 409) } }),
    },
    '/api/admin/users/{id}/sessions': {
      delete: o({ summary: "End all of a user's sessions.", tags: ['administration'], auth: 'admin', path: idPath, responses: { 200: ['Ended.', ref('Message')], ...adminErrors, ...e(404) } }),
    },
    '/api/admin/roles': {
      get: o({ summary: 'All roles.', tags: ['administration'], auth: 'admin', responses: { 200: ['Roles.', ref('RoleList')], ...adminErrors } }),
      post: o({ summary: 'Create a custom role.', tags: ['administration'], auth: 'admin', body: newRoleSchema, responses: { 201: ['Created.', ref('Role')], ...adminErrors, ...e(409) } }),
    },
    '/api/admin/roles/{name}': {
      delete: o({ summary: 'Delete a custom role.', tags: ['administration'], auth: 'admin', path: { name: text }, responses: { 200: ['Deleted.', ref('Message')], ...adminErrors, ...e(404, 409) } }),
    },
    '/api/admin/audit': {
      get: o({ summary: 'The audit trail, newest first.', tags: ['administration'], auth: 'admin', query: auditQuerySchema, responses: { 200: ['A page of events.', ref('AuditPage')], ...adminErrors } }),
    },
    '/.well-known/jwks.json': {
      get: o({ summary: 'The public signing keys (JWKS).', tags: ['keys'], responses: { 200: ['The key set.', ref('JWKS')] } }),
    },
    '/healthz': { get: o({ summary: 'Liveness: the process answers.', tags: ['operations'], responses: { 200: ['Alive.', ref('Health')] } }) },
    '/readyz': {
      get: o({ summary: 'Readiness: the database answers.', tags: ['operations'], responses: { 200: ['Ready.', ref('Ready')], ...e(503) } }),
    },
    '/metrics': {
      get: o({ summary: 'Prometheus metrics.', tags: ['operations'], auth: 'metrics', responses: { 200: ['Metrics in the Prometheus text format.', text], ...e(403) } }),
    },
    '/api/openapi.json': { get: o({ summary: 'This document.', tags: ['operations'], responses: { 200: ['OpenAPI 3.1.', { type: 'object' }] } }) },
    '/api/docs': { get: o({ summary: 'Interactive documentation of this API.', tags: ['operations'], responses: { 200: 'An HTML page.' } }) },
  };
}

let cached: JsonSchema | undefined;

/** The OpenAPI 3.1 document, built once. */
export function openApiDocument(version: string): JsonSchema {
  cached ??= {
    openapi: '3.1.0',
    info: {
      title: 'Tokengate',
      version,
      description:
        'Authentication and authorization: the API of the tutorial "Node.js Express: JWT example", plus sessions, ' +
        'administration and operations. Errors are JSON {message, code}.',
    },
    servers: [{ url: '/' }],
    paths: paths(),
    components: {
      schemas: z.toJSONSchema(z.globalRegistry, { io: 'output', unrepresentable: 'any', uri: (id) => `#/components/schemas/${id}` })
        .schemas,
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Authorization: Bearer <access token>' },
        accessTokenHeader: { type: 'apiKey', in: 'header', name: 'x-access-token', description: 'The tutorial clients’ header.' },
        cookieAuth: { type: 'apiKey', in: 'cookie', name: 'tg_access', description: 'With COOKIE_TRANSPORT=true.' },
        metricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, when it is set.' },
      },
    },
  };
  return cached;
}
