import type { Request, Response } from 'express';
import type { z } from 'zod';

/*
 * A route is declared once: method, path, who may call it, the schemas of its body, query and
 * path parameters, its answers, and its handler. The HTTP layer turns each declaration into an
 * Express route (with its guard, rate limits, validation and metrics label) and into its entry
 * in the OpenAPI document, so the two cannot drift apart.
 */

/** Who may call a route: anyone, anyone (reading a token when one is sent), a signed-in user, or a role. */
export type Access = 'public' | 'optional' | 'signed-in' | { role: string };

/** The per-address limits a route counts toward. */
export type RateLimitName = 'auth' | 'signinFailures';

export type HttpMethod = 'get' | 'post' | 'patch' | 'put' | 'delete';

/** A documented answer: JSON of a schema, plain text, HTML, or (for errors) the error body. */
export interface ResponseSpec {
  description: string;
  /** The JSON body; `text` and `html` describe non-JSON bodies. */
  schema?: z.ZodType;
  type?: 'text' | 'html';
}

/** Status → answer. A string is a description; statuses from 400 up carry the error body. */
export type Responses = Partial<Record<number, string | ResponseSpec>>;

export type Caller = NonNullable<Request['auth']>;

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;
type CallerOf<A extends Access> = A extends 'public' ? undefined : A extends 'optional' ? Caller | undefined : Caller;

export interface RouteInput<A extends Access, B, Q, P> {
  body: Parsed<B>;
  query: Parsed<Q>;
  params: Parsed<P>;
  /** The verified access token's claims (see `access`). */
  caller: CallerOf<A>;
  req: Request;
  res: Response;
}

interface RouteFields<A extends Access, B, Q, P> {
  method: HttpMethod;
  /** Express syntax: `/api/admin/users/:id`. */
  path: string;
  summary: string;
  description?: string;
  tags: readonly string[];
  access: A;
  limits?: readonly RateLimitName[];
  body?: B;
  /** The body as documented, for a route that validates its body itself (refresh: every failure a 403). */
  documentedBody?: z.ZodType;
  query?: Q;
  params?: P;
  /** The status of a successful JSON answer (200 unless given). */
  status?: number;
  /** The OpenAPI security requirement, when the access rule does not say it (e.g. the metrics token). */
  security?: ReadonlyArray<Record<string, string[]>>;
  /** Responses carrying tokens or personal data must not be stored by caches. */
  noStore?: boolean;
  responses: Responses;
  /**
   * Returns the JSON body of a success (sent with `status`), or undefined when it answered
   * itself (text, cookies, a different status).
   */
  handler: (input: RouteInput<A, B, Q, P>) => unknown;
}

/** A declared route, its types erased: what the HTTP layer and the OpenAPI document read. */
export type RouteDefinition = RouteFields<Access, z.ZodType | undefined, z.ZodType | undefined, z.ZodType | undefined> & {
  handler: (input: RouteInput<Access, unknown, unknown, unknown>) => unknown;
};

export function defineRoute<
  const A extends Access,
  B extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  P extends z.ZodType | undefined = undefined,
>(route: RouteFields<A, B, Q, P>): RouteDefinition {
  return route;
}

/** Plain text, as the tutorial's boards answer. */
export function sendText(res: Response, text: string): void {
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.send(text);
}
