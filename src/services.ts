import type { Redis } from 'ioredis';
import type { Config } from './config/config.loader.js';
import { MAX_ACCESS_TOKEN_TTL_SECONDS } from './config/config.schema.js';
import type { Database } from './db/database.js';
import { pendingMigrations } from './db/migrator.js';
import { createProfileService, type ProfileService } from './features/account/profile.service.js';
import { createAuditRepository } from './features/audit/audit.repository.js';
import { createAuditLog, type AuditLog } from './features/audit/audit.service.js';
import { createAuthService, type AuthService } from './features/auth/auth.service.js';
import { createAccountThrottle, createThrottleStores, type AccountThrottle } from './features/credentials/account-throttle.js';
import { createPasswordCredential } from './features/credentials/password.credential.js';
import { createEmailComposer } from './features/email/email-composer.js';
import { createEmailTokenRepository } from './features/email/email-token.repository.js';
import { createEmailTokens } from './features/email/email-tokens.js';
import { createEmailService, type EmailService } from './features/email/email.service.js';
import { builtInMailTemplates, loadMailTemplates } from './features/mail/mail-templates.js';
import { createFileTransport, createSmtpTransport, type MailTransport } from './features/mail/mail-transport.js';
import { createMailService, type MailService, type MailTiming } from './features/mail/mail.service.js';
import { createOutboxRepository } from './features/mail/outbox.repository.js';
import { createMfaChallengeRepository } from './features/auth/mfa-challenge.repository.js';
import { createMfaChallenges } from './features/auth/mfa-challenges.js';
import { createPasskeyCredential } from './features/credentials/passkey.credential.js';
import { createPasskeyRepository } from './features/credentials/passkey.repository.js';
import { createPasskeys } from './features/credentials/passkeys.js';
import { createWebauthnChallengeRepository } from './features/credentials/webauthn-challenge.repository.js';
import { createWebauthnChallenges } from './features/credentials/webauthn-challenges.js';
import { createPasskeyService, type PasskeyService } from './features/passkeys/passkey.service.js';
import { createSecondFactorCredential } from './features/credentials/second-factor.credential.js';
import { createSecondFactorRepository } from './features/credentials/second-factor.repository.js';
import { createSecondFactors, type SecondFactors } from './features/credentials/second-factors.js';
import { createTotpVault } from './features/credentials/totp.js';
import { createMfaService, type MfaService } from './features/mfa/mfa.service.js';
import { createPasswordHasher, limitHashing, OWASP_ARGON2, type PasswordHasher } from './features/passwords/password-hasher.js';
import { createRoleRepository } from './features/roles/role.repository.js';
import { createRoleService, type RoleService } from './features/roles/role.service.js';
import { createRevocationRepository } from './features/sessions/revocation.repository.js';
import { createRevocationList, type RevocationList } from './features/sessions/revocation.service.js';
import { createSessionRepository } from './features/sessions/session.repository.js';
import { createSessionService, type SessionService, type Subject } from './features/sessions/session.service.js';
import { createKeyRepository } from './features/tokens/key.repository.js';
import { createSharedSecretRing, createStoredKeyRing, type KeyRing } from './features/tokens/key-ring.js';
import { createTokenService, type AccessClaims, type TokenService } from './features/tokens/token.service.js';
import { createAccountWatch, type AccountWatch } from './features/users/account-watch.js';
import { createAdminUserService, type AdminUserService } from './features/users/admin-users.service.js';
import { createUserRepository } from './features/users/user.repository.js';
import { createUserService, type UserService } from './features/users/user.service.js';
import { createBoundedExecutor, type BoundedExecutor } from './lib/bounded-executor.js';
import { deriveKey } from './lib/crypto.js';
import { systemClock, TOKEN_EXPIRY_MARGIN_SECONDS, type Clock } from './lib/clock.js';
import type { Logger } from './lib/logger.js';

export interface ServiceDeps {
  config: Config;
  db: Database;
  logger: Logger;
  clock?: Clock;
  /** Tests pass a cheaper hasher; production uses OWASP's argon2id parameters. */
  hasher?: PasswordHasher;
  /** Shared counters for all instances (REDIS_URL); in memory without it. */
  redis?: Redis | undefined;
  /** Tests poll and retry mail sooner. */
  mailTiming?: Partial<MailTiming> | undefined;
}

export interface Services {
  roleService: RoleService;
  userService: UserService;
  /** The password hasher, bounded: at most `hashing.concurrency` hashes at once. */
  hasher: PasswordHasher;
  hashing: BoundedExecutor;
  audit: AuditLog;
  keys: KeyRing;
  tokens: TokenService;
  accounts: AccountWatch;
  revocations: RevocationList;
  sessions: SessionService;
  auth: AuthService;
  profiles: ProfileService;
  adminUsers: AdminUserService;
  /** The outbox and its sender. */
  mail: MailService;
  /** Verification, password reset, email change. */
  emails: EmailService;
  /** Reads MAIL_TEMPLATES_DIR (at start: a bad template stops the start). */
  loadMailTemplates: () => Promise<void>;
  secondFactors: SecondFactors;
  mfa: MfaService;
  passkeys: PasskeyService;
  /** Resolves when the database answers (readiness). */
  ping: () => Promise<void>;
  /** The migrations this code expects that the database lacks (readiness: none). */
  pendingMigrations: () => Promise<string[]>;
  /** The in-memory verdict on a verified access token: false when it must be refused. */
  admit: (claims: AccessClaims) => boolean;
}

/** The key ring for the configured algorithm: the shared secret, or keys stored in the database. */
export function createKeyRing({ config, db, logger, clock = systemClock }: ServiceDeps): KeyRing {
  const { tokens } = config;
  if (tokens.algorithm === 'HS256') return createSharedSecretRing(tokens.secret ?? '');
  return createStoredKeyRing({
    keys: createKeyRepository(db),
    algorithm: tokens.algorithm,
    secret: tokens.keyEncryptionSecret ?? '',
    clock,
    logger,
    accessTtlSeconds: tokens.accessTtlSeconds,
    rotationSeconds: tokens.keyRotationSeconds,
  });
}

function mailTransport({ config, logger }: ServiceDeps): MailTransport {
  const { smtpUrl, from, fileDir, logLinks } = config.mail;
  return smtpUrl ? createSmtpTransport(smtpUrl, from) : createFileTransport({ dir: fileDir, from, logger, logLinks });
}

interface MailParts {
  users: UserService;
  hasher: PasswordHasher;
  sessions: SessionService;
  throttle: AccountThrottle;
  audit: AuditLog;
}

/** The outbox and its sender, and the flows that queue mail and take its links back. */
function createMailServices(deps: ServiceDeps, { users, hasher, sessions, throttle, audit }: MailParts) {
  const { config, db, logger, clock = systemClock } = deps;
  let templates = builtInMailTemplates();
  const tokens = createEmailTokens({ db, tokens: createEmailTokenRepository(db), clock });
  const compose = createEmailComposer({ users, tokens, templates: () => templates, audit, config: config.mail });
  const outbox = createOutboxRepository(db);
  const mail = createMailService({ outbox, transport: mailTransport(deps), compose, clock, logger, timing: deps.mailTiming });
  const emails = createEmailService({ db, users, tokens, mail, hasher, sessions, throttle, audit, config: config.mail });
  const load = async () => {
    templates = await loadMailTemplates(config.mail.templatesDir);
  };
  return { mail, emails, loadMailTemplates: load };
}
/** The composition root of the services: each built once, with its dependencies passed explicitly. */
export function createServices(deps: ServiceDeps): Services {
  const { config, db, logger, clock = systemClock, redis } = deps;
  const hashing = createBoundedExecutor({
    concurrency: config.hashing.concurrency,
    maxWaitMs: config.hashing.maxWaitSeconds * 1000,
  });
  const hasher = limitHashing(deps.hasher ?? createPasswordHasher(OWASP_ARGON2, config.hashing.concurrency), hashing);
  const audit = createAuditLog({ events: createAuditRepository(db), clock, logger });
  const keys = createKeyRing(deps);
  const tokens = createTokenService({ config: config.tokens, keys, clock });

  const users = createUserService({ db, users: createUserRepository(db), hasher });
  const accounts = createAccountWatch({ users, clock });
  const revocationRepository = createRevocationRepository(db);
  const revocations = createRevocationList({
    revocations: revocationRepository,
    clock,
    // As long as the longest token any instance may have issued, whatever ACCESS_TOKEN_TTL is now.
    entryTtlSeconds: MAX_ACCESS_TOKEN_TTL_SECONDS + TOKEN_EXPIRY_MARGIN_SECONDS,
  });
  const subjects = async (userId: number): Promise<Subject | null> => {
    const user = await users.findById(userId);
    if (!user) return null;
    const { id, username, email, roles, disabled, emailVerified } = user;
    return { id, username, email, roles, disabled, emailVerified };
  };
  const sessions = createSessionService({
    db,
    sessions: createSessionRepository(db),
    revocations: revocationRepository,
    revocationList: revocations,
    tokens,
    subjects,
    audit,
    clock,
    logger,
    successorKey: deriveKey(config.serverSecret, 'refresh-token-successor'),
    config: config.sessions,
  });
  const roleService = createRoleService({ db, roles: createRoleRepository(db), sessions, audit });
  const throttle = createAccountThrottle({
    stores: createThrottleStores(redis, config.redis.prefix),
    clock,
    logger,
    freeFailures: config.limits.accountFreeFailures,
    maxDelaySeconds: config.limits.accountMaxDelaySeconds,
  });
  const password = createPasswordCredential({ users, hasher, throttle, audit, logger });
  const { mail, emails, loadMailTemplates: loadTemplates } = createMailServices(deps, { users, hasher, sessions, throttle, audit });
  const factors = createSecondFactorRepository(db);
  const vault = createTotpVault(config.serverSecret);
  const passkeyRepository = createPasskeyRepository(db);
  const webauthnChallenges = createWebauthnChallenges({ challenges: createWebauthnChallengeRepository(db), clock });
  const handleKey = deriveKey(config.serverSecret, 'webauthn-user-handle');
  const passkeys = createPasskeys({ passkeys: passkeyRepository, challenges: webauthnChallenges, rp: config.webauthn, handleKey, logger, clock });
  const passkey = createPasskeyCredential({
    passkeys: passkeyRepository,
    challenges: webauthnChallenges,
    rp: config.webauthn,
    handleKey,
    decoyKey: deriveKey(config.serverSecret, 'webauthn-decoy-credentials'),
    audit,
    clock,
  });
  const secondFactors = createSecondFactors({ db, factors, passkeys, vault, clock, issuer: config.mail.appName });
  const secondFactor = createSecondFactorCredential({ factors, vault, throttle, audit, clock, logger });
  const challenges = createMfaChallenges({ challenges: createMfaChallengeRepository(db), clock });
  return {
    roleService,
    userService: users,
    hasher,
    hashing,
    audit,
    keys,
    tokens,
    accounts,
    revocations,
    sessions,
    auth: createAuthService({
      users,
      roles: roleService,
      password,
      secondFactor,
      passkey,
      secondFactors,
      challenges,
      sessions,
      audit,
      allowSignupRoles: config.signup.allowRoles,
      requireVerifiedEmail: config.mail.verification === 'required',
      onSignup: (email, context) => emails.onSignup(email, context),
    }),
    profiles: createProfileService({ users, password, hasher, sessions, emails, audit, secondFactors }),
    adminUsers: createAdminUserService({
      db,
      users: createUserRepository(db),
      accounts: users,
      roles: roleService,
      sessions,
      audit,
      secondFactors,
    }),
    mail,
    emails,
    loadMailTemplates: loadTemplates,
    secondFactors,
    mfa: createMfaService({ users, password, secondFactor, secondFactors, audit }),
    passkeys: createPasskeyService({ users, password, passkeys, audit }),
    ping: () => db.ping(),
    pendingMigrations: () => pendingMigrations(db, logger),
    admit: (claims) => !revocations.isRevoked(claims.sid) && accounts.admit(claims),
  };
}
