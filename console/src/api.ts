/*
 * Tokengate's own JSON API, same origin. The tokens never reach this code: the console asks for
 * them in httpOnly cookies (Token-Delivery: cookie) and the browser sends them back.
 */

export interface ApiError {
  status: number;
  code: string;
  message: string;
  errors?: { field: string; message: string }[];
}

export class ApiFailure extends Error {
  constructor(readonly error: ApiError) {
    super(error.message);
  }
  get status() {
    return this.error.status;
  }
  get code() {
    return this.error.code;
  }
}

export interface Mfa {
  totp: boolean;
  recoveryCodesLeft: number;
  passkeys: number;
}

export interface User {
  id: number;
  username: string;
  email: string;
  emailVerified: boolean;
  roles: string[];
  disabled: boolean;
  createdAt: string;
  mfa: Mfa;
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  size: number;
  pages: number;
}

const API = new URL('../api/', document.baseURI);
const HEADERS = { Accept: 'application/json', 'Token-Delivery': 'cookie' };

async function send(method: string, path: string, body?: unknown): Promise<Response> {
  const init: RequestInit = { method, headers: { ...HEADERS }, credentials: 'same-origin' };
  if (body !== undefined) {
    init.headers = { ...HEADERS, 'Content-Type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  return fetch(new URL(path.replace(/^\/?api\//, ''), API), init);
}

async function failureOf(res: Response): Promise<ApiFailure> {
  let body: Partial<ApiError> = {};
  try {
    body = (await res.json()) as Partial<ApiError>;
  } catch {
    // not JSON: the status says enough
  }
  return new ApiFailure({
    status: res.status,
    code: body.code ?? `HTTP_${res.status}`,
    message: body.message ?? `The server answered ${res.status}. Try again.`,
    ...(body.errors ? { errors: body.errors } : {}),
  });
}

/** An expired access cookie: the browser dropped it (403 TOKEN_MISSING) or the token is stale (401). */
const needsRefresh = (res: Response) => res.status === 401 || res.status === 403;

let refreshing: Promise<boolean> | undefined;

/** New tokens from the refresh cookie; false when there is no live session. */
export function refresh(): Promise<boolean> {
  refreshing ??= send('POST', 'api/auth/refreshtoken', {})
    .then((res) => res.ok)
    .catch(() => false)
    .finally(() => (refreshing = undefined));
  return refreshing;
}

/** Calls the API; refreshes once when the access cookie has run out. Throws ApiFailure. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res = await send(method, path, body);
  if (needsRefresh(res)) {
    const copy = res.clone();
    const failure = await failureOf(copy);
    if (['TOKEN_MISSING', 'TOKEN_EXPIRED', 'TOKEN_INVALID'].includes(failure.code) && (await refresh())) {
      res = await send(method, path, body);
    }
  }
  if (!res.ok) throw await failureOf(res);
  return (await res.json()) as T;
}

/** A query string from the set fields. */
export function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}
