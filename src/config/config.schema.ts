import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { parseDuration } from '../lib/duration.js';

/*
 * Every setting Tokengate reads, declared once: the environment variable, the text used when it
 * is unset, the validation, and the description the README's configuration table shows (a test
 * checks that the table is exactly this list; `npm run docs:config` writes it). The loader maps
 * the parsed values into the structure the services receive.
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

function setting<S extends z.ZodType, const D extends string | undefined = undefined>(spec: {
  schema: S;
  default?: D;
  shown?: string;
  description: string;
}): Setting<S, D> {
  return { schema: spec.schema, default: spec.default as D, shown: spec.shown, description: spec.description };
}

const booleanText = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'].includes(v), {
    error: 'must be true or false',
  })
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

function duration(minSeconds: number, maxSeconds: number) {
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

function count(min: number, max: number) {
  const error = `must be a whole number from ${min} to ${max}`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

const text = z.string().trim().min(1, { error: 'must not be empty' });

const origin = z.string().refine((v) => v === '*' || /^https?:\/\/[^/\s]+$/i.test(v), {
  error: 'must be a list of origins such as http://localhost:8081 (scheme, host and port; no path)',
});

/** TRUST_PROXY: false (default), true, a hop count, or a list of addresses/subnets for Express. */
const trustProxy = z
  .string()
  .trim()
  .transform((v): boolean | number | string[] => {
    const lower = v.toLowerCase();
    if (['false', '0', 'no', 'off', ''].includes(lower)) return false;
    if (['true', 'yes', 'on'].includes(lower)) return true;
    if (/^\d+$/.test(v)) return Number(v);
    return v.split(',').map((s) => s.trim()).filter(Boolean);
  });

/** An absolute http(s) URL, kept without a trailing slash. */
const baseUrl = z
  .string()
  .trim()
  .regex(/^https?:\/\/[^\s/]+(\/\S*)?$/i, { error: 'must be an http:// or https:// URL, such as https://auth.example.com' })
  .transform((v) => v.replace(/\/+$/, ''));

/** A link template for mails: an http(s) URL containing {token}. */
const linkTemplate = z
  .string()
  .trim()
  .regex(/^https?:\/\/\S+$/i, { error: 'must be an http:// or https:// URL' })
  .refine((v) => v.includes('{token}'), { error: 'must contain {token}, where the link puts the token' });

export const EMAIL_VERIFICATION_MODES = ['off', 'optional', 'required'] as const;

/** Asymmetric algorithms sign with keys stored in the database; HS256 with JWT_SECRET. */
export const SIGNING_ALGORITHMS = ['ES256', 'RS256', 'EdDSA', 'HS256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The longest access-token lifetime Tokengate allows (ACCESS_TOKEN_TTL's maximum). */
export const MAX_ACCESS_TOKEN_TTL_SECONDS = 86400;

/** Password hashes in flight at once: one per core (each runs on a hashing thread of its own). */
export const DEFAULT_HASH_CONCURRENCY = Math.max(1, availableParallelism());

/** The environment variables Tokengate reads, in the order the README lists them. */
export const settings = {
  PORT: setting({
    schema: count(0, 65535),
    default: '8080',
    description: 'HTTP port.',
  }),
  HOST: setting({ schema: text, shown: 'all interfaces', description: 'Address to listen on.' }),
  NODE_ENV: setting({
    schema: z.enum(['development', 'production', 'test'], { error: 'must be development, production or test' }),
    default: 'development',
    description: '`production` makes a missing or weak `AUTH_SECRET` (or `JWT_SECRET` with HS256) fatal.',
  }),
  DATABASE_URL: setting({
    schema: text,
    shown: '`sqlite:./data/tokengate.sqlite`',
    description:
      '`sqlite:<path>`, `mysql://user:pass@host:3306/db`, `mariadb://…` (same driver, mysql2), `postgres://user:pass@host:5432/db`.',
  }),
  DATA_DIR: setting({
    schema: text,
    default: './data',
    description: 'Where the default SQLite file and the generated development secret live.',
  }),
  JWT_ALG: setting({
    schema: z.enum(SIGNING_ALGORITHMS, { error: `must be one of ${SIGNING_ALGORITHMS.join(', ')}` }),
    default: 'ES256',
    description:
      'Signing algorithm: `ES256`, `RS256` or `EdDSA` with keys stored in the database, or `HS256` with the shared `JWT_SECRET`. Changing it rotates to a key of the new kind at the next start.',
  }),
  AUTH_SECRET: setting({
    schema: z.string(),
    shown: 'generated in development',
    description:
      'Encrypts the stored private keys (asymmetric algorithms) and the authenticator-app secrets: at least 32 random bytes, e.g. `openssl rand -base64 48`. Required in production (with HS256 only recommended); well-known, short or guessable values (estimated below 128 bits) are refused there. Every instance needs the same value, and it must not change (what it encrypts could not be decrypted).',
  }),
  JWT_SECRET: setting({
    schema: z.string(),
    shown: 'generated in development',
    description:
      'Only with `JWT_ALG=HS256`: the shared signing secret, under the same rules as `AUTH_SECRET`. Without `AUTH_SECRET` it also encrypts the authenticator-app secrets (a warning says so).',
  }),
  KEY_ROTATION_INTERVAL: setting({
    schema: duration(0, 3650 * 86400),
    default: '0',
    shown: '`0` (off)',
    description: 'Rotate the signing key automatically this often, e.g. `90d`. `npx tokengate keys:rotate` rotates on request.',
  }),
  JWT_ISSUER: setting({ schema: text, default: 'tokengate', description: '`iss` claim, checked on every token.' }),
  JWT_AUDIENCE: setting({ schema: text, default: 'tokengate', description: '`aud` claim, checked on every token.' }),
  ACCESS_TOKEN_TTL: setting({
    schema: duration(30, MAX_ACCESS_TOKEN_TTL_SECONDS),
    default: '15m',
    description: 'Access-token lifetime: seconds or `30s`, `15m`, `1h` (30 s to 24 h).',
  }),
  REFRESH_TOKEN_TTL: setting({
    schema: duration(60, 365 * 86400),
    default: '7d',
    description: 'Idle lifetime of a session: unused this long, its refresh token expires.',
  }),
  SESSION_MAX_AGE: setting({
    schema: duration(60, 365 * 86400),
    default: '30d',
    description: 'Absolute lifetime of a session, however often it is refreshed.',
  }),
  REFRESH_TOKEN_ROTATION: setting({
    schema: booleanText,
    default: 'true',
    description:
      "A new refresh token on every refresh, with reuse detection. `false` keeps the signin's token for the whole session (for clients that never store a new one).",
  }),
  REFRESH_TOKEN_REUSE_INTERVAL: setting({
    schema: duration(0, 300),
    default: '10s',
    description:
      'A rotated refresh token presented again within this time (two tabs refreshing at once, a retry after a lost answer) gets the same new token back instead of ending the session; `0` turns it off.',
  }),
  MAX_SESSIONS_PER_USER: setting({
    schema: count(1, 10_000),
    default: '50',
    description: 'Live sessions one account may have; a new signin beyond it ends the oldest.',
  }),
  REVOCATION_POLL_INTERVAL: setting({
    schema: duration(1, 60),
    default: '1s',
    description: 'How often each instance reads the sessions ended by other instances (1 s to 60 s).',
  }),
  COOKIE_TRANSPORT: setting({
    schema: booleanText,
    default: 'false',
    description:
      '`true`: tokens travel in httpOnly, SameSite=Strict cookies (Secure when `NODE_ENV=production`) instead of response bodies.',
  }),
  ACCOUNT_CHECK_INTERVAL: setting({
    schema: duration(0, 3600),
    default: '2s',
    description:
      "How often the accounts behind recently used tokens are checked, so that a deleted account's tokens stop working (`0` turns it off).",
  }),
  REDIS_URL: setting({
    schema: z
      .string()
      .trim()
      .regex(/^rediss?:\/\//i, { error: 'must be a redis:// or rediss:// URL' }),
    shown: 'none',
    description: '`redis://host:6379`: rate-limit and throttle counters shared by all instances (in memory without it).',
  }),
  REDIS_PREFIX: setting({ schema: text, default: 'tokengate:', description: 'Prefix of every Redis key.' }),
  RATE_LIMIT_WINDOW: setting({
    schema: duration(1, 86400),
    default: '15m',
    description: 'The window of the per-address limits.',
  }),
  RATE_LIMIT_IP: setting({
    schema: count(1, 1_000_000),
    default: '300',
    description: 'Requests to `/api/auth/*` per address per window.',
  }),
  RATE_LIMIT_IP_FAILURES: setting({
    schema: count(1, 1_000_000),
    default: '30',
    description: 'Failed signins per address per window (a password spray).',
  }),
  ACCOUNT_THROTTLE_AFTER: setting({
    schema: count(0, 1000),
    default: '5',
    description:
      'Failed signins of one username before each further failure makes it wait (1 s, 2 s, 4 s…); `0` turns it off.',
  }),
  ACCOUNT_THROTTLE_MAX: setting({
    schema: duration(1, 86400),
    default: '15m',
    description: 'The longest such wait.',
  }),
  HASH_CONCURRENCY: setting({
    schema: count(1, 64),
    default: String(DEFAULT_HASH_CONCURRENCY),
    shown: 'cores',
    description: 'Password hashes computed at once, each on a hashing thread of its own.',
  }),
  HASH_MAX_WAIT: setting({
    schema: duration(0, 60),
    default: '2s',
    description:
      'A signin or signup is admitted while its password hash would wait less than this (hashes ahead × the measured time of one ÷ `HASH_CONCURRENCY`); beyond it, 503 with `Retry-After` at once.',
  }),
  MFA_REQUIRED_ROLES: setting({
    schema: z
      .string()
      .transform((v) => v.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean))
      .pipe(z.array(z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, { error: 'must be a comma-separated list of role names, e.g. admin' }))),
    default: '',
    shown: 'none',
    description:
      'Comma-separated roles, e.g. `admin`: routes that require one of them, or a role containing one (admin contains every role), answer 403 `MFA_REQUIRED` to a token whose signin had no second factor. Enrollment (`/api/users/me/mfa/*`) stays open.',
  }),
  ALLOW_SIGNUP_ROLES: setting({
    schema: booleanText,
    default: 'false',
    description: '`true` lets signup request `moderator`/`admin` (demo mode only).',
  }),
  CORS_ORIGINS: setting({
    schema: z
      .string()
      .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
      .pipe(z.array(origin)),
    default: 'http://localhost:8081',
    description:
      'Comma-separated origins allowed to call the API from a browser, with credentials. `*` allows every origin, without credentials.',
  }),
  TRUST_PROXY: setting({
    schema: trustProxy,
    default: 'false',
    description:
      'Express `trust proxy`: a hop count (`1` for one proxy) or a list of addresses/subnets of the proxies; `true` trusts every `X-Forwarded-For` entry and is refused in production. Leave `false` unless a proxy sets `X-Forwarded-For`.',
  }),
  LOG_LEVEL: setting({
    schema: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }),
    default: 'info',
    description: '`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`.',
  }),
  LOG_FORMAT: setting({
    schema: z.enum(['json', 'pretty'], { error: 'must be json or pretty' }),
    shown: '`pretty` in development on a terminal, else `json`',
    description: '`json`: one JSON object a line, for collectors; `pretty`: readable lines.',
  }),
  WEB_CONCURRENCY: setting({
    schema: count(1, 64),
    default: '1',
    description: 'Worker processes sharing the port (node:cluster), e.g. the number of cores.',
  }),
  SHUTDOWN_TIMEOUT: setting({
    schema: duration(1, 600),
    default: '10s',
    description: 'How long SIGTERM/SIGINT waits for in-flight requests before closing connections.',
  }),
  METRICS_TOKEN: setting({
    schema: z.string().min(16, { error: 'must be at least 16 characters (or leave it unset)' }),
    shown: 'none',
    description: 'When set (16+ characters), `GET /metrics` requires `Authorization: Bearer <token>`.',
  }),
  DOCS_ENABLED: setting({
    schema: booleanText,
    default: 'true',
    description: '`false` turns the interactive documentation page `/api/docs` (and its assets) off; `/api/openapi.json` stays.',
  }),
  APP_NAME: setting({
    schema: text,
    default: 'Tokengate',
    description: 'The product name that the console, mails and authenticator apps show (and the sender name of the default `MAIL_FROM`).',
  }),
  PUBLIC_URL: setting({
    schema: baseUrl,
    shown: '`http://localhost:<PORT>`',
    description:
      'Where people reach Tokengate: the base of the default links in mails. Behind a proxy that serves it under a path, that path too (`https://example.com/auth`): the docs page, the OpenAPI `servers` entry and the cookie paths then carry it ([Behind a reverse proxy](#behind-a-reverse-proxy)).',
  }),
  SMTP_URL: setting({
    schema: z
      .string()
      .trim()
      .regex(/^smtps?:\/\/\S+$/i, { error: 'must be an smtp:// or smtps:// URL, such as smtp://user:pass@smtp.example.com:587' }),
    shown: 'none',
    description:
      '`smtp://user:pass@host:587` (STARTTLS when the server offers it) or `smtps://user:pass@host:465`. Without it, mail is written as `.eml` files under `<DATA_DIR>/mail/` (development); production refuses to start without it when `EMAIL_VERIFICATION=required`.',
  }),
  MAIL_FROM: setting({
    schema: text,
    shown: '`<APP_NAME> <no-reply@localhost>`',
    description: 'The sender of every mail, e.g. `Example <no-reply@example.com>`.',
  }),
  EMAIL_VERIFICATION: setting({
    schema: z.enum(EMAIL_VERIFICATION_MODES, { error: 'must be off, optional or required' }),
    default: 'optional',
    description:
      '`optional`: signup sends a verification link, signin works either way. `required`: an unverified account cannot sign in (403 `EMAIL_NOT_VERIFIED`, only after a right password). `off`: no verification mail.',
  }),
  VERIFY_EMAIL_URL: setting({
    schema: linkTemplate,
    shown: '`<PUBLIC_URL>/console/verify-email?token={token}`',
    description: 'The link in verification and email-change mails; `{token}` is replaced. Point it at your own page to handle it there.',
  }),
  RESET_PASSWORD_URL: setting({
    schema: linkTemplate,
    shown: '`<PUBLIC_URL>/console/reset-password?token={token}`',
    description: 'The link in password-reset mails; `{token}` is replaced.',
  }),
  VERIFY_EMAIL_TTL: setting({
    schema: duration(300, 30 * 86400),
    default: '24h',
    description: 'How long a verification or email-change link works.',
  }),
  RESET_PASSWORD_TTL: setting({
    schema: duration(60, 86400),
    default: '1h',
    description: 'How long a password-reset link works.',
  }),
  MAIL_TEMPLATES_DIR: setting({
    schema: text,
    shown: 'none',
    description: 'A folder of mail templates that replace the built-in ones, file by file (README, "Mail templates").',
  }),
} as const satisfies Record<string, Setting>;

export type SettingName = keyof typeof settings;

/** The parsed environment: each variable's value, or undefined for an unset one without a default. */
export type Env = {
  [K in SettingName]: (typeof settings)[K] extends Setting<infer S, infer D>
    ? D extends string
      ? z.output<S>
      : z.output<S> | undefined
    : never;
};

/** One zod object for the whole environment: unset variables take their default text first. */
export const envSchema = z.object(
  Object.fromEntries(
    Object.entries(settings).map(([name, s]: [string, Setting]) => [
      name,
      s.default === undefined ? s.schema.optional() : z.string().default(s.default).pipe(s.schema as z.ZodType<unknown, string>),
    ]),
  ),
) as unknown as z.ZodType<Env, Record<string, string | undefined>>;

/** The README's configuration table, generated from the settings above. */
export function configurationTable(): string {
  const rows = Object.entries(settings).map(([name, s]: [string, Setting]) => {
    const shown = s.shown ?? `\`${s.default}\``;
    return `| \`${name}\` | ${shown} | ${s.description} |`;
  });
  return ['| Variable | Default | Meaning |', '|---|---|---|', ...rows].join('\n');
}
