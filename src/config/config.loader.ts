import path from 'node:path';
import { envSchema, type Env } from './config.schema.js';
import { developmentSecret, SECRET_ADVICE, secretWeakness } from './secrets.js';
import { relyingParty } from './settings/webauthn.js';

/** Thrown when the environment is invalid; `problems` name each variable and what is wrong. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type SecretName = 'JWT_SECRET' | 'AUTH_SECRET';

interface Findings {
  problems: string[];
  warnings: string[];
}

/**
 * The secret the signing algorithm needs: JWT_SECRET for HS256, AUTH_SECRET (which encrypts the
 * stored private keys) otherwise. Required and strong in production; generated in development.
 */
function resolveSecret(name: SecretName, env: Env, dataDir: string, { problems, warnings }: Findings): string {
  const production = env.NODE_ENV === 'production';
  const value = env[name];
  if (value === undefined || value === '') {
    if (production) {
      problems.push(`${name}: required when NODE_ENV=production; ${SECRET_ADVICE}`);
      return '';
    }
    const fileName = name.toLowerCase().replace('_', '-');
    warnings.push(
      `${name} is not set: using a generated development secret kept in ${path.join(dataDir, fileName)}. ` +
        `Set ${name} (and NODE_ENV=production) before going to production.`,
    );
    return developmentSecret(dataDir, fileName);
  }
  const weakness = secretWeakness(value);
  if (weakness) {
    const text = `${name} ${weakness}; ${SECRET_ADVICE}`;
    if (production) problems.push(text);
    else warnings.push(`${text} (accepted outside production)`);
  }
  return value;
}

/**
 * Mail: where links point, how long they work, how mail leaves. Without SMTP_URL, mail is
 * written to files (the development default, announced at start); in production that is
 * refused when accounts must be verified (they never could be), and warned about otherwise.
 */
function mailConfig(env: Env, cwd: string, dataDir: string, { problems, warnings }: Findings) {
  const publicUrl = env.PUBLIC_URL ?? `http://localhost:${env.PORT}`;
  const fileDir = path.join(dataDir, 'mail');
  if (!env.SMTP_URL) {
    if (env.NODE_ENV === 'production' && env.EMAIL_VERIFICATION === 'required') {
      problems.push('SMTP_URL: required when NODE_ENV=production and EMAIL_VERIFICATION=required (no account could be verified)');
    } else if (env.NODE_ENV === 'production') {
      warnings.push(`SMTP_URL is not set: mail (verification, password resets, email changes) is written to ${fileDir}, not sent. Set SMTP_URL.`);
    }
  }
  return {
    appName: env.APP_NAME,
    publicUrl,
    smtpUrl: env.SMTP_URL,
    from: env.MAIL_FROM ?? `${env.APP_NAME} <no-reply@localhost>`,
    verification: env.EMAIL_VERIFICATION,
    links: {
      verifyEmail: env.VERIFY_EMAIL_URL ?? `${publicUrl}/console/verify-email?token={token}`,
      resetPassword: env.RESET_PASSWORD_URL ?? `${publicUrl}/console/reset-password?token={token}`,
    },
    verifyTtlSeconds: env.VERIFY_EMAIL_TTL,
    resetTtlSeconds: env.RESET_PASSWORD_TTL,
    templatesDir: env.MAIL_TEMPLATES_DIR === undefined ? undefined : path.resolve(cwd, env.MAIL_TEMPLATES_DIR),
    /** Where mail goes without SMTP_URL, one .eml file a message. */
    fileDir,
    /** Links are logged only by the development file writer (never in production logs). */
    logLinks: !env.SMTP_URL && env.NODE_ENV === 'development',
  };
}

/**
 * Seals authenticator secrets at rest: AUTH_SECRET, whatever the algorithm. With HS256 and no
 * AUTH_SECRET, JWT_SECRET does, with a warning: rotating JWT_SECRET (the way to rotate HS256
 * keys) would then make every stored authenticator secret unreadable.
 */
function sealingSecret(authSecret: string | undefined, jwtSecret: string | undefined, { warnings }: Findings): string {
  if (authSecret !== undefined) return authSecret;
  warnings.push(
    'AUTH_SECRET is not set: authenticator-app secrets are sealed with JWT_SECRET, so changing JWT_SECRET would ' +
      'make them unreadable (users would need their recovery codes). Set AUTH_SECRET as well to keep them apart.',
  );
  return jwtSecret ?? '';
}

/** What the loader knows besides the variables: where relative paths start, whether logs go to a terminal. */
export interface LoadContext {
  cwd: string;
  terminal: boolean;
}

/**
 * Where each parsed variable goes in the configuration the services receive, and the values
 * derived from several of them. The Config type is inferred from this mapping.
 */
function toConfig(env: Env, { cwd, terminal }: LoadContext, findings: Findings) {
  const dataDir = path.resolve(cwd, env.DATA_DIR);
  const shared = env.JWT_ALG === 'HS256';
  if (env.NODE_ENV === 'production' && env.TRUST_PROXY === true) {
    findings.problems.push(
      'TRUST_PROXY: "true" trusts every X-Forwarded-For entry, so a client picks its own address (and a fresh rate-limit ' +
        'bucket per request); in production give the number of proxies in front of Tokengate (e.g. 1) or their addresses ' +
        '(e.g. loopback, 10.0.0.0/8)',
    );
  }
  if (env.NODE_ENV === 'production' && !env.METRICS_TOKEN) {
    findings.warnings.push(
      'METRICS_TOKEN is not set: GET /metrics is open to anyone who reaches this port. Set METRICS_TOKEN, or keep /metrics off the public proxy.',
    );
  }
  if (!shared && env.JWT_SECRET) {
    findings.warnings.push(`JWT_SECRET is ignored: JWT_ALG=${env.JWT_ALG} signs with stored keys (set JWT_ALG=HS256 to use it).`);
  }
  const jwtSecret = shared ? resolveSecret('JWT_SECRET', env, dataDir, findings) : undefined;
  const authSecret = !shared || env.AUTH_SECRET ? resolveSecret('AUTH_SECRET', env, dataDir, findings) : undefined;
  return {
    env: env.NODE_ENV,
    dataDir,
    /**
     * The server's secret (AUTH_SECRET; with HS256 and no AUTH_SECRET, JWT_SECRET): keys for other
     * purposes (sealing authenticator secrets, deriving refresh-token successors) derive from it.
     */
    serverSecret: sealingSecret(authSecret, jwtSecret, findings),
    http: {
      port: env.PORT,
      host: env.HOST,
      trustProxy: env.TRUST_PROXY as boolean | number | readonly string[],
      corsOrigins: env.CORS_ORIGINS as readonly string[],
    },
    database: { url: env.DATABASE_URL ?? `sqlite:${path.join(dataDir, 'tokengate.sqlite')}` },
    tokens: {
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      algorithm: env.JWT_ALG,
      /** The shared HS256 secret (JWT_SECRET); only with JWT_ALG=HS256. */
      secret: jwtSecret,
      /** Encrypts the stored private keys (AUTH_SECRET); only with asymmetric algorithms. */
      keyEncryptionSecret: shared ? undefined : authSecret,
      accessTtlSeconds: env.ACCESS_TOKEN_TTL,
      keyRotationSeconds: env.KEY_ROTATION_INTERVAL,
    },
    sessions: {
      refreshTtlSeconds: env.REFRESH_TOKEN_TTL,
      maxAgeSeconds: env.SESSION_MAX_AGE,
      rotation: env.REFRESH_TOKEN_ROTATION,
      reuseIntervalSeconds: env.REFRESH_TOKEN_REUSE_INTERVAL,
      maxPerUser: env.MAX_SESSIONS_PER_USER,
      revocationPollSeconds: env.REVOCATION_POLL_INTERVAL,
      cookies: env.COOKIE_TRANSPORT,
    },
    limits: {
      windowSeconds: env.RATE_LIMIT_WINDOW,
      ipRequests: env.RATE_LIMIT_IP,
      ipFailures: env.RATE_LIMIT_IP_FAILURES,
      accountFreeFailures: env.ACCOUNT_THROTTLE_AFTER,
      accountMaxDelaySeconds: env.ACCOUNT_THROTTLE_MAX,
    },
    redis: { url: env.REDIS_URL, prefix: env.REDIS_PREFIX },
    hashing: { concurrency: env.HASH_CONCURRENCY, maxWaitSeconds: env.HASH_MAX_WAIT },
    accounts: { checkIntervalSeconds: env.ACCOUNT_CHECK_INTERVAL },
    signup: { allowRoles: env.ALLOW_SIGNUP_ROLES },
    mfa: { requiredRoles: env.MFA_REQUIRED_ROLES as readonly string[] },
    log: {
      level: env.LOG_LEVEL,
      format: env.LOG_FORMAT ?? (env.NODE_ENV === 'development' && terminal ? 'pretty' : 'json'),
    },
    process: { workers: env.WEB_CONCURRENCY, shutdownTimeoutSeconds: env.SHUTDOWN_TIMEOUT },
    metricsToken: env.METRICS_TOKEN,
    docs: { enabled: env.DOCS_ENABLED },
    mail: mailConfig(env, cwd, dataDir, findings),
    webauthn: relyingParty(env, env.PUBLIC_URL ?? `http://localhost:${env.PORT}`, findings),
  };
}

type DeepReadonly<T> = T extends (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

export type Config = DeepReadonly<ReturnType<typeof toConfig>>;

/** The path of PUBLIC_URL: '' at the root, '/auth' behind a proxy that strips that prefix. */
export function publicPath(config: Config): string {
  return new URL(config.mail.publicUrl).pathname.replace(/\/+$/, '');
}

export interface LoadedConfig {
  config: Config;
  /** Things that work but should not go to production, to be logged loudly at start. */
  warnings: string[];
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** "PORT: must be …" for each problem; the value is shown, except for secrets. */
function describeIssues(issues: ReadonlyArray<{ path: readonly PropertyKey[]; message: string }>, source: NodeJS.ProcessEnv) {
  return issues.map((issue) => {
    const name = typeof issue.path[0] === 'string' ? issue.path[0] : 'environment';
    const value = source[name];
    const shown = value === undefined || name.includes('SECRET') ? '' : ` (got "${value}")`;
    return `${name}: ${issue.message}${shown}`;
  });
}

/**
 * Parses and validates the environment once. Throws ConfigError listing every problem.
 * Relative paths resolve against `cwd`.
 */
export function loadConfig(
  source: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
  terminal = process.stdout.isTTY === true,
): LoadedConfig {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error.issues, source));
  const findings: Findings = { problems: [], warnings: [] };
  const config = toConfig(parsed.data, { cwd, terminal }, findings);
  if (findings.problems.length > 0) throw new ConfigError(findings.problems);
  return { config: deepFreeze(config), warnings: findings.warnings };
}
