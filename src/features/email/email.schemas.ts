import { z } from 'zod';
import { bodyObject, boundedString, stringField } from '../../lib/validation.js';
import { emailField } from '../users/user.schemas.js';

/** A link's token as the page that received it sends it on. */
const tokenField = boundedString('token', 1, 512);

export const emailRequestSchema = bodyObject({ email: emailField });

/** Resend: an address, or nothing when signed in. */
export const resendSchema = z
  .object({ email: emailField.optional() }, { error: 'The request body must be a JSON object or a URL-encoded form with the field email.' })
  .optional()
  .transform((body) => body ?? {});

export const verifySchema = bodyObject({ token: tokenField });

/** The password is checked against the policy once the token names its account. */
export const resetSchema = bodyObject({ token: tokenField, password: stringField('password') });

export const verifiedBody = z.object({ message: z.string(), email: z.string() }).meta({ id: 'EmailVerified' });
