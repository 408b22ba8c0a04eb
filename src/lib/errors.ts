/**
 * One error type for the whole service. Every failure a client can see has a stable
 * UPPER_SNAKE `code`, an HTTP status, and a message. Messages of 5xx errors are never
 * sent to clients (the catalog's generic text is sent instead).
 */
export const errorCatalog = {
  BAD_REQUEST: { status: 400, message: 'The request is malformed.' },
  VALIDATION_FAILED: { status: 400, message: 'The request is invalid.' },
  INVALID_JSON: { status: 400, message: 'The request body is not valid JSON.' },
  FORBIDDEN_KEY: { status: 400, message: 'The request body contains a forbidden key.' },
  USERNAME_TAKEN: { status: 400, message: 'Failed! Username is already in use!' },
  EMAIL_TAKEN: { status: 400, message: 'Failed! Email is already in use!' },
  ROLE_NOT_FOUND: { status: 400, message: 'Failed! Role does not exist!' },
  VERIFICATION_TOKEN_INVALID: { status: 400, message: 'This link is invalid, used or expired. Ask for a new one.' },
  RESET_TOKEN_INVALID: { status: 400, message: 'This password reset link is invalid, used or expired. Ask for a new one.' },
  INVALID_CREDENTIALS: { status: 401, message: 'Invalid username or password.' },
  WRONG_CURRENT_PASSWORD: { status: 400, message: 'currentPassword is not the current password.' },
  TOKEN_INVALID: { status: 401, message: 'Unauthorized!' },
  TOKEN_EXPIRED: { status: 401, message: 'Unauthorized! Access Token was expired!' },
  TOKEN_MISSING: { status: 403, message: 'No token provided!' },
  ROLE_REQUIRED: { status: 403, message: 'Access denied: a role you do not have is required.' },
  METRICS_TOKEN_REQUIRED: { status: 403, message: 'GET /metrics requires Authorization: Bearer <METRICS_TOKEN>.' },
  REFRESH_TOKEN_REQUIRED: { status: 403, message: 'Refresh Token is required!' },
  REFRESH_TOKEN_MALFORMED: { status: 403, message: 'refreshToken must be a string.' },
  REFRESH_TOKEN_NOT_FOUND: { status: 403, message: 'Refresh token is not in database!' },
  REFRESH_TOKEN_EXPIRED: { status: 403, message: 'Refresh token was expired. Please make a new signin request' },
  REFRESH_TOKEN_REVOKED: { status: 403, message: 'Refresh token was revoked. Please make a new signin request' },
  REFRESH_TOKEN_REUSED: {
    status: 403,
    message: 'Refresh token was already used, so its session has been ended. Please make a new signin request',
  },
  EMAIL_NOT_VERIFIED: { status: 403, message: 'Please verify your email address first.' },
  CSRF_REJECTED: { status: 403, message: 'Refused: a cross-site request may not use the session cookies.' },
  SIGNUP_ROLE_FORBIDDEN: { status: 403, message: 'Signup cannot grant roles above user.' },
  // Second factors. MFA_CODE_INVALID is a 401 when it fails a signin (POST /api/auth/mfa/verify).
  MFA_CODE_INVALID: { status: 400, message: 'The code is wrong, expired or already used.' },
  MFA_SETUP_NOT_STARTED: {
    status: 400,
    message: 'No authenticator app setup is in progress: start one with POST /api/users/me/mfa/totp.',
  },
  MFA_NOT_ENABLED: { status: 400, message: 'No authenticator app is set up for this account.' },
  MFA_TOKEN_INVALID: {
    status: 401,
    message: 'This sign-in expired, was used, or had too many wrong codes. Please sign in again.',
  },
  MFA_REQUIRED: {
    status: 403,
    message: 'A second factor is required here: sign in again with your authenticator app (or set one up first).',
  },
  MFA_ALREADY_ENABLED: {
    status: 409,
    message: 'An authenticator app is already set up. Turn it off first to set up another one.',
  },
  // Passkeys. PASSKEY_INVALID is a 401 when it fails a signin (POST /api/auth/passkey, POST /api/auth/mfa/verify).
  PASSKEY_INVALID: {
    status: 400,
    message: 'The passkey could not be verified. Try again, or sign in another way.',
  },
  PASSKEY_ALREADY_REGISTERED: { status: 409, message: 'This passkey is registered already.' },
  PASSKEY_NOT_FOUND: { status: 404, message: 'Passkey not found.' },
  PASSKEY_LIMIT_REACHED: {
    status: 409,
    message: 'This account has 20 passkeys, the most it may have. Remove one first (DELETE /api/users/me/passkeys/{id}).',
  },
  NOT_FOUND: { status: 404, message: 'Not found.' },
  SESSION_NOT_FOUND: { status: 404, message: 'Session not found.' },
  USER_NOT_FOUND: { status: 404, message: 'User not found.' },
  ROLE_MISSING: { status: 404, message: 'Role not found.' },
  ROLE_EXISTS: { status: 409, message: 'A role with this name exists already.' },
  ROLE_BUILTIN: { status: 409, message: 'The built-in roles user, moderator and admin cannot be deleted.' },
  LAST_ADMIN: {
    status: 409,
    message: 'Refused: this would leave no active admin. Make another user an admin first.',
  },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Unsupported content type.' },
  RATE_LIMITED: { status: 429, message: 'Too many requests. Try again later.' },
  SIGNIN_THROTTLED: { status: 429, message: 'Too many failed signins for this account. Try again later.' },
  HEADERS_TOO_LARGE: { status: 431, message: 'The request headers are too large: the limit is 16 KB.' },
  INTERNAL: { status: 500, message: 'Internal server error.' },
  DATABASE_UNAVAILABLE: { status: 503, message: 'The database is unavailable. Please retry shortly.' },
  OVERLOADED: { status: 503, message: 'The server is busy. Please retry in a moment.' },
  NOT_READY: { status: 503, message: 'Not ready: the database does not answer.' },
  SCHEMA_BEHIND: {
    status: 503,
    message: 'Not ready: the database schema is not at the version this code expects. Run "tokengate migrate" or restart.',
  },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorCatalog;

export interface FieldError {
  field: string;
  message: string;
}

export interface AppErrorOptions {
  cause?: unknown;
  /** Per-field problems, for validation errors. */
  errors?: FieldError[];
  /** Extra members of the JSON body, e.g. the tutorial's `accessToken: null` on signin failures. */
  body?: Record<string, unknown>;
  headers?: Record<string, string>;
  /** A status other than the catalog's, where one code means different things in two places. */
  status?: number;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly errors: FieldError[] | undefined;
  readonly body: Record<string, unknown> | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(code: ErrorCode, message?: string, options: AppErrorOptions = {}) {
    super(message ?? errorCatalog[code].message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = options.status ?? errorCatalog[code].status;
    this.errors = options.errors;
    this.body = options.body;
    this.headers = options.headers;
  }

  /** The JSON body a client receives. Never includes the cause or a stack. */
  toJSON(): Record<string, unknown> {
    const message = this.status < 500 ? this.message : errorCatalog[this.code].message;
    return {
      ...this.body,
      message,
      code: this.code,
      ...(this.errors ? { errors: this.errors } : {}),
    };
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
