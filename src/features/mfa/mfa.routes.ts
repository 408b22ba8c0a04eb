import { z } from 'zod';
import { contextOf } from '../../lib/request-context.js';
import { errors, messageBody } from '../../lib/responses.js';
import { defineRoute, type RouteDefinition } from '../../lib/route.js';
import { boundedString, strictBodyObject } from '../../lib/validation.js';
import type { MfaService } from './mfa.service.js';

const codeField = boundedString('code', 1, 64);
const codeBody = strictBodyObject({ code: codeField });
const disableBody = strictBodyObject({ password: boundedString('password', 1, 1024), code: codeField });

const totpSetup = z
  .object({
    secret: z.string().describe('The base32 secret, for apps that cannot scan.'),
    otpauthUrl: z.string().describe('otpauth://totp/… (SHA-1, 6 digits, 30 s).'),
    qrCode: z.string().describe('The otpauth URL as a QR code: a data:image/png;base64 URL.'),
  })
  .meta({ id: 'TotpSetup' });
const recoveryCodes = z
  .object({ recoveryCodes: z.array(z.string()).describe('10 single-use codes, shown only now.') })
  .meta({ id: 'RecoveryCodes' });

const tags = ['second factors'];
const protectedErrors = errors(401, 403, 429);

/** /api/users/me/mfa: the caller's own authenticator app and recovery codes. */
export function mfaRoutes(mfa: MfaService): RouteDefinition[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/users/me/mfa/totp',
      summary: 'Start setting up an authenticator app: its secret and QR code.',
      description: 'The app stays off until POST /api/users/me/mfa/totp/confirm; starting again replaces a pending setup.',
      tags,
      access: 'signed-in',
      noStore: true,
      responses: { 200: { description: 'The pending setup.', schema: totpSetup }, ...protectedErrors, ...errors(409) },
      handler: ({ caller, req }) => mfa.startTotp(caller.id, contextOf(req)),
    }),
    defineRoute({
      method: 'post',
      path: '/api/users/me/mfa/totp/confirm',
      summary: 'Turn the authenticator app on with its first code; returns the recovery codes.',
      tags,
      access: 'signed-in',
      body: codeBody,
      noStore: true,
      responses: { 200: { description: 'On.', schema: recoveryCodes }, ...protectedErrors, ...errors(400, 409) },
      handler: ({ body, caller, req }) => mfa.confirmTotp(caller.id, body.code, contextOf(req)),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/users/me/mfa/totp',
      summary: 'Turn the authenticator app off, with the password and a code; the recovery codes go too.',
      tags,
      access: 'signed-in',
      body: disableBody,
      responses: { 200: { description: 'Off.', schema: messageBody }, ...protectedErrors, ...errors(400) },
      handler: async ({ body, caller, req }) => {
        await mfa.disableTotp(caller.id, body, contextOf(req));
        return { message: 'The authenticator app is off; the recovery codes no longer work.' };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/users/me/mfa/recovery-codes',
      summary: 'A new set of recovery codes, for a code; the old set stops working.',
      tags,
      access: 'signed-in',
      body: codeBody,
      noStore: true,
      responses: { 200: { description: 'The new codes.', schema: recoveryCodes }, ...protectedErrors, ...errors(400) },
      handler: ({ body, caller, req }) => mfa.replaceRecoveryCodes(caller.id, body.code, contextOf(req)),
    }),
  ];
}
