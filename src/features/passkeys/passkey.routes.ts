import { z } from 'zod';
import { contextOf } from '../../lib/request-context.js';
import { errors, messageBody } from '../../lib/responses.js';
import { defineRoute, type RouteDefinition } from '../../lib/route.js';
import { boundedString, strictBodyObject } from '../../lib/validation.js';
import { registrationResponseSchema } from '../credentials/webauthn.js';
import type { PasskeyService } from './passkey.service.js';

const nameField = boundedString('name', 1, 64).describe('A name the person recognizes, e.g. "Laptop".');

const registrationBody = strictBodyObject({
  challengeId: boundedString('challengeId', 1, 64).describe('The challengeId that came with the options.'),
  response: registrationResponseSchema,
  name: nameField.optional(),
});
const renameBody = strictBodyObject({ name: nameField });
const optionsBody = strictBodyObject({
  password: boundedString('password', 1, 1024).describe('The current password: a passkey is a whole signin, so adding one needs it.'),
});
const passkeyParams = z.object({ id: z.string().max(64, { error: 'id is too long' }).describe('The passkey id of the list.') });

const passkeyView = z
  .object({
    id: z.string().describe('Opaque; not the WebAuthn credential id.'),
    name: z.string(),
    createdAt: z.string().describe('ISO 8601 time.'),
    lastUsedAt: z.string().nullable().describe('ISO 8601 time of the last signin with it; null before the first.'),
  })
  .meta({ id: 'Passkey' });
const passkeyList = z.object({ passkeys: z.array(passkeyView) }).meta({ id: 'PasskeyList' });
const registrationOptions = z
  .object({
    options: z.looseObject({}).describe('PublicKeyCredentialCreationOptionsJSON: pass to navigator.credentials.create() (e.g. with @simplewebauthn/browser).'),
    challengeId: z.string().describe('Send it back with the answer; it works once, for 5 minutes.'),
  })
  .meta({ id: 'PasskeyRegistrationOptions' });

const tags = ['passkeys'];
const protectedErrors = errors(401, 403, 429);

/** /api/users/me/passkeys: the caller's own passkeys. */
export function passkeyRoutes(passkeys: PasskeyService): RouteDefinition[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/users/me/passkeys/options',
      summary: 'Start registering a passkey: the options for navigator.credentials.create(), and their challengeId.',
      description:
        'Needs the current password (a passkey is a whole signin that outlives password changes). A discoverable credential ' +
        'with user verification; the caller\'s passkeys are excluded. The challenge works once, for 5 minutes.',
      tags,
      access: 'signed-in',
      body: optionsBody,
      limits: ['auth'],
      noStore: true,
      responses: {
        200: { description: 'The options.', schema: registrationOptions },
        ...protectedErrors,
        400: 'WRONG_CURRENT_PASSWORD: password is not the current password; or a malformed body.',
        409: 'PASSKEY_LIMIT_REACHED: the account has 20 passkeys; remove one first.',
      },
      handler: ({ body, caller, req }) => passkeys.registrationOptions(caller.id, body.password, contextOf(req)),
    }),
    defineRoute({
      method: 'post',
      path: '/api/users/me/passkeys',
      summary: 'Register a passkey: the browser\'s answer to the options.',
      tags,
      access: 'signed-in',
      limits: ['auth'],
      body: registrationBody,
      status: 201,
      responses: {
        201: { description: 'Registered.', schema: passkeyView },
        ...protectedErrors,
        400: 'PASSKEY_INVALID: the challenge is unknown, used or expired, or the answer could not be verified (origin, RP ID, user verification…: the detail is logged, not answered); or a malformed body.',
        409: 'PASSKEY_ALREADY_REGISTERED: this credential is registered already (to this or another account); PASSKEY_LIMIT_REACHED: the account has 20 passkeys, remove one first.',
      },
      handler: ({ body, caller, req }) => passkeys.register(caller.id, body, contextOf(req)),
    }),
    defineRoute({
      method: 'get',
      path: '/api/users/me/passkeys',
      summary: "The caller's passkeys.",
      tags,
      access: 'signed-in',
      limits: ['auth'],
      noStore: true,
      responses: { 200: { description: 'The passkeys, oldest first.', schema: passkeyList }, ...protectedErrors },
      handler: async ({ caller }) => ({ passkeys: await passkeys.list(caller.id) }),
    }),
    defineRoute({
      method: 'patch',
      path: '/api/users/me/passkeys/:id',
      summary: 'Rename a passkey.',
      tags,
      access: 'signed-in',
      limits: ['auth'],
      params: passkeyParams,
      body: renameBody,
      responses: { 200: { description: 'Renamed.', schema: passkeyView }, ...protectedErrors, ...errors(400, 404) },
      handler: ({ body, caller, params, req }) => passkeys.rename(caller.id, params.id, body.name, contextOf(req)),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/users/me/passkeys/:id',
      summary: 'Remove a passkey: it no longer signs in.',
      tags,
      access: 'signed-in',
      limits: ['auth'],
      params: passkeyParams,
      responses: { 200: { description: 'Removed.', schema: messageBody }, ...protectedErrors, ...errors(404) },
      handler: async ({ caller, params, req }) => {
        await passkeys.remove(caller.id, params.id, contextOf(req));
        return { message: 'The passkey was removed: it no longer signs in.' };
      },
    }),
  ];
}
