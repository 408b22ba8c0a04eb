import { AppError } from '../../lib/errors.js';
import { contextOf } from '../../lib/request-context.js';
import { errors, messageBody } from '../../lib/responses.js';
import { defineRoute, type RouteDefinition } from '../../lib/route.js';
import {
  mfaVerifySchema,
  passkeyAuthenticationOptions,
  passkeyOptionsSchema,
  passkeySigninSchema,
  refreshRequest,
  refreshTokenIn,
  signinAnswer,
  signinResult,
  signinSchema,
  signoutSchema,
  signupSchema,
  tokenPair,
} from './auth.schemas.js';
import { isMfaChallenge, type AuthService } from './auth.service.js';
import type { TokenTransport } from './token-transport.js';

const tags = ['auth'];

/** The tutorial's /api/auth endpoints. Token responses are never cached. */
export function authRoutes(auth: AuthService, transport: TokenTransport): RouteDefinition[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/auth/signup',
      summary: 'Register an account.',
      tags,
      access: 'public',
      limits: ['auth'],
      body: signupSchema,
      responses: { 200: { description: 'Registered.', schema: messageBody }, ...errors(400, 403, 413, 415, 429, 503) },
      handler: async ({ body, req }) => {
        await auth.signup(body, contextOf(req));
        return { message: 'User registered successfully!' };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/auth/signin',
      summary: 'Sign in: tokens and the account.',
      tags,
      access: 'public',
      limits: ['auth', 'signinFailures'],
      body: signinSchema,
      noStore: true,
      responses: {
        200: { description: 'Signed in; or, for an account with a second factor, an mfaToken and no tokens.', schema: signinAnswer },
        ...errors(400, 401, 429, 503),
        403: 'EMAIL_NOT_VERIFIED: with EMAIL_VERIFICATION=required, the address must be verified first.',
      },
      handler: async ({ body, req, res }) => {
        const result = await auth.signin(body, contextOf(req));
        return isMfaChallenge(result) ? result : transport.deliver(req, res, result);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/auth/mfa/verify',
      summary: 'Finish a signin with a second factor: the mfaToken and a code, or a passkey.',
      description:
        'The code is one from the authenticator app or a recovery code; or, instead of code, challengeId and response: a passkey\'s ' +
        'answer to the options of POST /api/auth/passkey/options {mfaToken}. A wrong code is a 401 MFA_CODE_INVALID, a failed ' +
        'passkey a 401 PASSKEY_INVALID; the mfaToken works once, for 5 minutes, and dies after 5 wrong attempts (401 MFA_TOKEN_INVALID).',
      tags,
      access: 'public',
      limits: ['auth', 'signinFailures'],
      body: mfaVerifySchema,
      noStore: true,
      responses: { 200: { description: 'Signed in.', schema: signinResult }, ...errors(400, 401, 429, 503) },
      handler: async ({ body, req, res }) => transport.deliver(req, res, await auth.verifyMfa(body, contextOf(req))),
    }),
    defineRoute({
      method: 'post',
      path: '/api/auth/passkey/options',
      summary: 'Options for signing in with a passkey, and their challengeId.',
      description:
        'No body (or no username): discoverable, allowCredentials empty (the browser offers the passkeys it has for this site). ' +
        'With a username: that user\'s passkeys (an unknown username gets an empty list too). With an mfaToken (the second step ' +
        'of a password signin): that user\'s passkeys, for POST /api/auth/mfa/verify; the mfaToken is not used up. ' +
        'The challenge works once, for 5 minutes.',
      tags,
      access: 'public',
      limits: ['auth'],
      body: passkeyOptionsSchema,
      noStore: true,
      responses: {
        200: { description: 'Pass options to navigator.credentials.get().', schema: passkeyAuthenticationOptions },
        ...errors(400, 429, 503),
        401: 'MFA_TOKEN_INVALID: the mfaToken is used, expired or had too many wrong attempts.',
      },
      handler: ({ body }) => auth.passkeyOptions(body),
    }),
    defineRoute({
      method: 'post',
      path: '/api/auth/passkey',
      summary: 'Sign in with a passkey: tokens and the account.',
      description:
        'The answer of navigator.credentials.get() to the options of POST /api/auth/passkey/options. A passkey is a whole signin ' +
        '(user verification required; amr ["hwk","user"]) and satisfies MFA_REQUIRED_ROLES. Every failure is one 401 PASSKEY_INVALID.',
      tags,
      access: 'public',
      limits: ['auth', 'signinFailures'],
      body: passkeySigninSchema,
      noStore: true,
      responses: {
        200: { description: 'Signed in.', schema: signinResult },
        ...errors(400, 429, 503),
        401: 'PASSKEY_INVALID: the passkey could not be verified (unknown, wrong signature, used or expired challenge, counter).',
        403: 'EMAIL_NOT_VERIFIED: with EMAIL_VERIFICATION=required, the address must be verified first.',
      },
      handler: async ({ body, req, res }) => transport.deliver(req, res, await auth.signinWithPasskey(body, contextOf(req))),
    }),
    defineRoute({
      method: 'post',
      path: '/api/auth/refreshtoken',
      summary: 'Exchange a refresh token for new tokens.',
      description: 'Every failure is a 403 (never 401). With rotation, the refresh token in the answer replaces the one sent.',
      tags,
      access: 'public',
      limits: ['auth'],
      noStore: true,
      // Documented, not validated here: every refresh failure must be a 403 (refreshTokenIn).
      responses: { 200: { description: 'New tokens.', schema: tokenPair }, ...errors(403, 429) },
      handler: async ({ req, res }) => {
        const token = transport.refreshTokenFrom(req, refreshTokenIn(req.body));
        if (token === undefined) throw new AppError('REFRESH_TOKEN_REQUIRED');
        return transport.deliver(req, res, await auth.refresh(token));
      },
      documentedBody: refreshRequest,
    }),
    defineRoute({
      method: 'post',
      path: '/api/auth/signout',
      summary: 'End this session, or all of them with {"all": true}.',
      tags,
      access: 'optional',
      limits: ['auth'],
      body: signoutSchema,
      noStore: true,
      responses: { 200: { description: 'Signed out.', schema: messageBody }, ...errors(400) },
      handler: async ({ body, caller, req, res }) => {
        await auth.signout({
          refreshToken: transport.refreshTokenFrom(req, body.refreshToken ?? undefined),
          all: body.all,
          caller,
          callerLive: req.authLive ?? false,
        });
        transport.clear(req, res);
        return { message: "You've been signed out!" };
      },
    }),
  ];
}
