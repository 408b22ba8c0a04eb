import type { ErrorRequestHandler, RequestHandler } from 'express';
import { isDatabaseUnavailable } from '../db/database.js';
import { AppError, isAppError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { bodyParserError } from './body.js';

/** Every failure as an AppError: known ones keep their status, everything else is a 500. */
export function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  const fromBody = bodyParserError(error);
  if (fromBody) return fromBody;
  if (isDatabaseUnavailable(error)) {
    return new AppError('DATABASE_UNAVAILABLE', undefined, { cause: error, headers: { 'Retry-After': '5' } });
  }
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new AppError('BAD_REQUEST', undefined, { cause: error });
  }
  return new AppError('INTERNAL', undefined, { cause: error });
}

/** Errors as JSON `{message, code}`: never a stack trace, SQL text or HTML. 5xx logged at error. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const appError = toAppError(error);
    // The request log line carries the error of a 5xx; metrics count the code.
    Object.assign(res.locals, { errorCode: appError.code, error: appError.status >= 500 ? error : undefined });
    if (res.headersSent) {
      logger.error({ err: error, path: req.path }, 'error after the answer had started; connection closed');
      res.destroy();
      return;
    }
    res.status(appError.status).set(appError.headers ?? {}).json(appError.toJSON());
  };
}

export const notFound: RequestHandler = (req) => {
  throw new AppError('NOT_FOUND', `Not found: ${req.method} ${req.path}`);
};
