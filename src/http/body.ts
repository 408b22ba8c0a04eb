import express, { type RequestHandler } from 'express';
import { AppError } from '../lib/errors.js';

/** Largest request body accepted, in bytes; anything above gets 413. */
export const BODY_LIMIT = '16kb';
const ACCEPTED_TYPES = ['application/json', 'application/*+json', 'application/x-www-form-urlencoded'];
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** 415 for a body in a format the API does not speak, before anything tries to parse it. */
const requireSupportedType: RequestHandler = (req, _res, next) => {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (hasBody && !req.is(ACCEPTED_TYPES)) {
    const type = req.headers['content-type'] ?? 'none';
    throw new AppError(
      'UNSUPPORTED_MEDIA_TYPE',
      `Unsupported content type "${type}": send application/json or application/x-www-form-urlencoded.`,
    );
  }
  next();
};

/** The first forbidden key anywhere in a parsed body, e.g. `__proto__`, or undefined. */
export function findForbiddenKey(body: unknown): string | undefined {
  const pending: unknown[] = [body];
  while (pending.length > 0) {
    const value = pending.pop();
    if (value === null || typeof value !== 'object') continue;
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) return key;
      pending.push((value as Record<string, unknown>)[key]);
    }
  }
  return undefined;
}

const refuseForbiddenKeys: RequestHandler = (req, _res, next) => {
  const key = findForbiddenKey(req.body);
  if (key !== undefined) throw new AppError('FORBIDDEN_KEY', `The request body must not contain the key "${key}".`);
  next();
};

/** Body parsing for the API: JSON and URL-encoded forms, both small, both checked. */
export function bodyParsers(): RequestHandler[] {
  return [
    requireSupportedType,
    express.json({ limit: BODY_LIMIT, type: ['application/json', 'application/*+json'] }),
    express.urlencoded({ limit: BODY_LIMIT, extended: false, parameterLimit: 100 }),
    refuseForbiddenKeys,
  ];
}

/** Turns body-parser's errors into AppErrors with a message a person can act on. */
export function bodyParserError(error: unknown): AppError | undefined {
  const type = (error as { type?: unknown } | null)?.type;
  if (typeof type !== 'string') return undefined;
  switch (type) {
    case 'entity.parse.failed':
      return new AppError('INVALID_JSON', 'The request body is not valid JSON.', { cause: error });
    case 'entity.too.large':
    case 'parameters.too.many':
      return new AppError('PAYLOAD_TOO_LARGE', `The request body is too large: the limit is ${BODY_LIMIT}.`, {
        cause: error,
      });
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', 'Unsupported body charset or content encoding: send UTF-8.', {
        cause: error,
      });
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
    case 'querystring.parse.rangeError':
      return new AppError('BAD_REQUEST', 'The request body could not be read.', { cause: error });
    default:
      return undefined;
  }
}
