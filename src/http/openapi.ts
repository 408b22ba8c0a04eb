import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject, type ZodOpenApiResponsesObject } from 'zod-openapi';
import { errorBody } from '../lib/responses.js';
import type { RouteDefinition } from '../lib/route.js';

/*
 * The OpenAPI 3.1 document, generated from the route declarations: every served route, its
 * guard as a security requirement, its request body, query and path parameters converted from
 * the zod schemas that validate them, and its answers.
 */

const TOKEN_SECURITY: Array<Record<string, string[]>> = [{ bearerAuth: [] }, { accessTokenHeader: [] }, { cookieAuth: [] }];

/** `/api/admin/users/:id` → `/api/admin/users/{id}` */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:(\w+)/g, '{$1}');
}

function responses(route: RouteDefinition): ZodOpenApiResponsesObject {
  return Object.fromEntries(
    Object.entries(route.responses).map(([status, answer]) => {
      const spec = typeof answer === 'string' ? { description: answer } : answer!;
      const content = spec.type
        ? { [spec.type === 'text' ? 'text/plain' : 'text/html']: { schema: z.string() } }
        : spec.schema
          ? { 'application/json': { schema: spec.schema } }
          : Number(status) >= 400
            ? { 'application/json': { schema: errorBody } }
            : undefined;
      return [status, { description: spec.description, ...(content ? { content } : {}) }];
    }),
  );
}

function operation(route: RouteDefinition): ZodOpenApiOperationObject {
  const signedIn = route.access !== 'public' && route.access !== 'optional';
  const role = typeof route.access === 'object' ? route.access.role : undefined;
  const roleNote = role ? `Requires the ${role} role (or one that contains it).` : undefined;
  const description = [route.description, roleNote].filter(Boolean).join(' ');
  const body = route.body ?? route.documentedBody;
  return {
    summary: route.summary,
    ...(description ? { description } : {}),
    tags: [...route.tags],
    security: route.security ? [...route.security] : signedIn ? TOKEN_SECURITY : [],
    ...(route.query || route.params
      ? {
          requestParams: {
            ...(route.query ? { query: route.query as z.ZodObject } : {}),
            ...(route.params ? { path: route.params as z.ZodObject } : {}),
          },
        }
      : {}),
    ...(body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: body }, 'application/x-www-form-urlencoded': { schema: body } },
          },
        }
      : {}),
    responses: responses(route),
  };
}

/**
 * Drops the bounds zod gives every `.int()` (±Number.MAX_SAFE_INTEGER): they say nothing, and
 * Swagger UI would show -9007199254740991 as every integer's example.
 */
function withoutSafeIntegerBounds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSafeIntegerBounds);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value).filter(
    ([key, v]) => !(key === 'minimum' && v === Number.MIN_SAFE_INTEGER) && !(key === 'maximum' && v === Number.MAX_SAFE_INTEGER),
  );
  return Object.fromEntries(entries.map(([key, v]) => [key, withoutSafeIntegerBounds(v)]));
}

export function openApiDocument(routes: readonly RouteDefinition[], version: string): Record<string, unknown> {
  const paths: ZodOpenApiPathsObject = {};
  for (const route of routes) {
    const item = (paths[openApiPath(route.path)] ??= {});
    (item as Record<string, ZodOpenApiOperationObject>)[route.method] = operation(route);
  }
  const document = createDocument(
    {
      openapi: '3.1.0',
      info: {
        title: 'Tokengate',
        version,
        description:
          'Authentication and authorization: the API of the tutorial "Node.js Express: JWT example", plus sessions, ' +
          'administration and operations. Errors are JSON {message, code}.',
      },
      servers: [{ url: '/' }],
      paths,
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Authorization: Bearer <access token>' },
          accessTokenHeader: { type: 'apiKey', in: 'header', name: 'x-access-token', description: 'The tutorial clients’ header.' },
          cookieAuth: { type: 'apiKey', in: 'cookie', name: 'tg_access', description: 'With COOKIE_TRANSPORT=true.' },
          metricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, when it is set.' },
        },
      },
    },
    { unrepresentable: 'any' } as never,
  );
  return withoutSafeIntegerBounds(document) as Record<string, unknown>;
}
