import { z } from 'zod';

/*
 * Answer shapes shared by every feature, for the OpenAPI document. Each feature declares its
 * own answers beside its routes; these are the common ones.
 */

export const errorBody = z
  .object({
    message: z.string().describe('What went wrong, for a person.').meta({ examples: ['The request is invalid.'] }),
    code: z.string().describe('A stable UPPER_SNAKE code, for a program.').meta({ examples: ['VALIDATION_FAILED'] }),
    errors: z
      .array(
        z.object({
          field: z.string().meta({ examples: ['password'] }),
          message: z.string().meta({ examples: ['password must be 8 to 128 characters'] }),
        }),
      )
      .optional()
      .describe('Validation errors, one per field.'),
  })
  .meta({ id: 'Error' });

export const messageBody = z.object({ message: z.string() }).meta({ id: 'Message' });

/** A page of a list answer. */
export function paged<T extends z.ZodType>(item: T, id: string) {
  return z
    .object({
      items: z.array(item),
      total: z.number().int(),
      page: z.number().int(),
      size: z.number().int(),
      pages: z.number().int(),
    })
    .meta({ id });
}

/** The paging part of a list answer. */
export function page<T>(items: T[], total: number, pageNumber: number, size: number) {
  return { items, total, page: pageNumber, size, pages: Math.ceil(total / size) };
}

/** Short descriptions of the error statuses routes share. */
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

/** The error answers of these statuses, for a route's `responses`. */
export function errors(...statuses: number[]): Record<number, string> {
  return Object.fromEntries(statuses.map((s) => [s, ERRORS[s] ?? 'Error']));
}
