import { AppError } from '../../lib/errors.js';
import { contextOf } from '../../lib/request-context.js';
import { errors, messageBody } from '../../lib/responses.js';
import { defineRoute, type RouteDefinition } from '../../lib/route.js';
import { emailRequestSchema, resendSchema, resetSchema, verifiedBody, verifySchema } from './email.schemas.js';
import type { EmailService } from './email.service.js';

const tags = ['mail'];
const accepted = (description: string) => ({ description, schema: messageBody });

/** The same answer whatever happens behind it, so that it tells nobody whether an account has the address. */
export const RESEND_ANSWER = 'If an account with an unverified address has this address, a verification link is on its way.';
export const FORGOT_ANSWER = 'If an account has this address, a password reset link is on its way.';

/** Email verification and password reset: /api/auth/verify-email*, /api/auth/forgot-password, /api/auth/reset-password. */
export function emailRoutes(emails: EmailService): RouteDefinition[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/auth/verify-email/send',
      summary: 'Send the verification link again: to an address, or (no body) to the signed-in caller.',
      description: 'Always 202 with the same body, whether or not an account has the address.',
      tags,
      access: 'optional',
      limits: ['auth'],
      body: resendSchema,
      status: 202,
      responses: { 202: accepted('Accepted.'), ...errors(400, 429) },
      handler: async ({ body, caller, req }) => {
        const request = body.email !== undefined ? { email: body.email } : caller && { userId: caller.id };
        if (request === undefined) {
          throw new AppError('VALIDATION_FAILED', 'email is required (or sign in)', {
            errors: [{ field: 'email', message: 'email is required (or sign in)' }],
          });
        }
        await emails.resendVerification(request, contextOf(req));
        return { message: RESEND_ANSWER };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/auth/verify-email',
      summary: 'Confirm an address with the token of a verification (or email-change) link.',
      tags,
      access: 'public',
      limits: ['auth'],
      body: verifySchema,
      responses: {
        200: { description: 'Verified; an email change is applied.', schema: verifiedBody },
        ...errors(429),
        400: 'VERIFICATION_TOKEN_INVALID (unknown, used or expired), or a validation error.',
      },
      handler: async ({ body, req }) => ({ message: 'Email verified.', ...(await emails.verify(body.token, contextOf(req))) }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/auth/forgot-password',
      summary: 'Send a password reset link to the address, if an account has it.',
      description: 'Always 202 with the same body, after the same work, whether or not an account has the address.',
      tags,
      access: 'public',
      limits: ['auth'],
      body: emailRequestSchema,
      status: 202,
      responses: { 202: accepted('Accepted.'), ...errors(400, 429) },
      handler: async ({ body, req }) => {
        await emails.forgotPassword(body.email, contextOf(req));
        return { message: FORGOT_ANSWER };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/auth/reset-password',
      summary: 'Set a new password with the token of a reset link; ends every session of the account.',
      tags,
      access: 'public',
      limits: ['auth'],
      body: resetSchema,
      responses: {
        200: { description: 'Changed.', schema: messageBody },
        ...errors(429, 503),
        400: 'RESET_TOKEN_INVALID (unknown, used or expired), or the password policy.',
      },
      handler: async ({ body, req }) => {
        await emails.resetPassword(body.token, body.password, contextOf(req));
        return { message: 'Password changed. Please sign in.' };
      },
    }),
  ];
}
