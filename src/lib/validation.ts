import { z } from 'zod';
import { AppError, type FieldError } from './errors.js';

/** Number of Unicode code points, which is what a person counts as characters. */
export function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** A required string field whose errors name the field: "username is required", "... must be a string". */
export function stringField(name: string) {
  return z.string({
    error: (issue) => (issue.input === undefined ? `${name} is required` : `${name} must be a string`),
  });
}

/** A string field of `min`..`max` characters (code points). */
export function boundedString(name: string, min: number, max: number) {
  return stringField(name).refine((v) => codePoints(v) >= min && codePoints(v) <= max, {
    error: min <= 1 ? `${name} must not be empty or longer than ${max} characters` : `${name} must be ${min} to ${max} characters`,
  });
}

/** A boolean, or "true"/"false" as a form or query string sends it. */
export function booleanField(name: string) {
  return z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')], {
    error: `${name} must be true or false`,
  });
}

/** An object schema whose own type error explains what the body should be. */
export function bodyObject<Shape extends z.ZodRawShape>(shape: Shape) {
  const fields = Object.keys(shape).join(', ');
  return z.object(shape, {
    error: `The request body must be a JSON object or a URL-encoded form with the fields ${fields}.`,
  });
}

function toFieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.flatMap((issue) => {
    const at = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: [...at, key].join('.'), message: `${key} cannot be set here` }));
    }
    return [{ field: at.length > 0 ? at.join('.') : 'body', message: issue.message }];
  });
}

/** Like bodyObject, but refusing any field it does not name (mass assignment). */
export function strictBodyObject<Shape extends z.ZodRawShape>(shape: Shape) {
  const fields = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? undefined
        : `The request body must be a JSON object or a URL-encoded form with the fields ${fields}.`,
  });
}

/** Validates a request body against a schema; a 400 naming every bad field otherwise. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body ?? undefined);
  if (result.success) return result.data;
  const errors = toFieldErrors(result.error);
  throw new AppError('VALIDATION_FAILED', [...new Set(errors.map((e) => e.message))].join('; '), { errors });
}

/** C0 control characters and DEL: no field of the API accepts them. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * The path of the first string anywhere in `value` that holds a control character (NUL and the
 * rest of C0, DEL), e.g. `username` or `roles.1`; undefined when there is none.
 */
export function findControlCharacter(value: unknown): string | undefined {
  // Iterative, with paths as linked lists: a deeply nested body costs neither stack nor copies.
  type Path = { key: string; parent: Path } | undefined;
  const name = (path: Path): string => {
    const keys: string[] = [];
    for (let at = path; at; at = at.parent) keys.unshift(at.key);
    return keys.join('.') || 'body';
  };
  const pending: Array<[unknown, Path]> = [[value, undefined]];
  while (pending.length > 0) {
    const [current, path] = pending.pop()!;
    if (typeof current === 'string') {
      if (CONTROL.test(current)) return name(path);
    } else if (current !== null && typeof current === 'object') {
      const entries = Object.entries(current);
      for (let i = entries.length - 1; i >= 0; i--) pending.push([entries[i]![1], { key: entries[i]![0], parent: path }]);
    }
  }
  return undefined;
}

/** 400 naming the field when a request part holds a control character. */
export function refuseControlCharacters(value: unknown): void {
  const field = findControlCharacter(value);
  if (field === undefined) return;
  const message = `${field} must not contain control characters`;
  throw new AppError('VALIDATION_FAILED', message, { errors: [{ field, message }] });
}
