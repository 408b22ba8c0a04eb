import { z } from 'zod';
import { parseDuration } from '../lib/duration.js';

/*
 * One setting: the text used when its environment variable is unset, the validation, and the
 * description the README's configuration table shows; and the parsers the setting groups under
 * settings/ share.
 */

export interface Setting<S extends z.ZodType = z.ZodType, D extends string | undefined = string | undefined> {
  /** Parses the variable's text. */
  readonly schema: S;
  /** The text used when the variable is unset; without one the value is undefined. */
  readonly default: D;
  /** How the README shows the default, when it is not the default text itself. */
  readonly shown?: string | undefined;
  /** The README's "Meaning" column (Markdown). */
  readonly description: string;
}

export function setting<S extends z.ZodType, const D extends string | undefined = undefined>(spec: {
  schema: S;
  default?: D;
  shown?: string;
  description: string;
}): Setting<S, D> {
  return { schema: spec.schema, default: spec.default as D, shown: spec.shown, description: spec.description };
}

export const booleanText = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'].includes(v), {
    error: 'must be true or false',
  })
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

export function duration(minSeconds: number, maxSeconds: number) {
  return z.string().transform((text, ctx) => {
    const seconds = parseDuration(text);
    if (seconds === undefined || seconds < minSeconds || seconds > maxSeconds) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a duration between ${minSeconds}s and ${maxSeconds}s, such as 900, 15m, 12h or 7d`,
      });
      return z.NEVER;
    }
    return seconds;
  });
}

export function count(min: number, max: number) {
  const error = `must be a whole number from ${min} to ${max}`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

export const text = z.string().trim().min(1, { error: 'must not be empty' });

export const origin = z.string().refine((v) => v === '*' || /^https?:\/\/[^/\s]+$/i.test(v), {
  error: 'must be a list of origins such as http://localhost:8081 (scheme, host and port; no path)',
});

/** An absolute http(s) URL, kept without a trailing slash. */
export const baseUrl = z
  .string()
  .trim()
  .regex(/^https?:\/\/[^\s/]+(\/\S*)?$/i, { error: 'must be an http:// or https:// URL, such as https://auth.example.com' })
  .transform((v) => v.replace(/\/+$/, ''));

