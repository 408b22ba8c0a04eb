import type { Redis } from 'ioredis';
import type { Config } from './config/config.schema.js';
import type { Database } from './db/database.js';
import { createAuditRepository } from './features/audit/audit.repository.js';
import { createAuditLog, type AuditLog } from './features/audit/audit.service.js';
import {
  createAccountThrottle,
  createMemoryThrottleStore,
  createRedisThrottleStore,
} from './features/auth/account-throttle.js';
import { createAuthService, type AuthService } from './features/auth/auth.service.js';
import { createRoleRepository, type RoleRepository } from './features/roles/role.repository.js';
import { createRoleService, type RoleService } from './features/roles/role.service.js';
import { createRevocationRepository } from './features/sessions/revocation.repository.js';
import { createRevocationList, type RevocationList } from './features/sessions/revocation.service.js';
import { createSessionRepository } from './features/sessions/session.repository.js';
import { createSessionService, type SessionService } from './features/sessions/session.service.js';
import { createKeyRepository } from './features/tokens/key.repository.js';
import { createSharedSecretRing, createStoredKeyRing, type KeyRing } from './features/tokens/key-ring.js';
import { createTokenService, type AccessClaims, type TokenService } from './features/tokens/token.service.js';
import { createAccountWatch, type AccountWatch } from './features/users/account-watch.js';
import { hashPool } from './features/users/hash-pool.js';
import { createPasswordHasher, limitHashing, type PasswordHasher } from './features/users/password-hasher.js';
import { createUserRepository, type UserRepository } from './features/users/user.repository.js';
import { createUserService, type UserService } from './features/users/user.service.js';
import { createAdminUserService, type AdminUserService } from './features/users/admin-users.service.js';
import { createProfileService, type ProfileService } from './features/users/profile.service.js';
import { createBoundedExecutor, type BoundedExecutor } from './lib/bounded-executor.js';
import { systemClock, type Clock } from './lib/clock.js';
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
}

export interface Services {
  users: UserRepository;
  roles: RoleRepository;
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
  /** Resolves when the database answers (readiness). */
  ping: () => Promise<void>;
  /** The in-memory verdict on a verified access token: false when it must be refused. */
  admit: (claims: AccessClaims) => boolean;
}

/** Extra life of a revocation entry beyond the access-token lifetime: the verifier's clock leeway. */
const REVOCATION_MARGIN_SECONDS = 10;

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

/** Builds every service once, with its dependencies passed explicitly. */
export function createServices(deps: ServiceDeps): Services {
  const { config, db, logger, clock = systemClock, hasher, redis } = deps;
  const users = createUserRepository(db);
  const roles = createRoleRepository(db);
  const hashing = createBoundedExecutor(config.hashing.concurrency, config.hashing.queue);
  hashPool.ensure(config.hashing.concurrency);
  const passwordHasher = limitHashing(hasher ?? createPasswordHasher(), hashing);
  const audit = createAuditLog({ events: createAuditRepository(db), clock, logger });
  const keys = createKeyRing(deps);
  const tokens = createTokenService({ config: config.tokens, keys, clock });
  const accounts = createAccountWatch({ users, clock, logger, intervalSeconds: config.accounts.checkIntervalSeconds });
  const revocationRepository = createRevocationRepository(db);
  const revocations = createRevocationList({
    revocations: revocationRepository,
    clock,
    logger,
    pollSeconds: config.sessions.revocationPollSeconds,
    entryTtlSeconds: config.tokens.accessTtlSeconds + REVOCATION_MARGIN_SECONDS,
  });
  const sessions = createSessionService({
    db,
    sessions: createSessionRepository(db),
    revocations: revocationRepository,
    revocationList: revocations,
    audit,
    clock,
    logger,
    config: config.sessions,
  });
  const roleService = createRoleService({ db, roles, sessions, audit });
  const userService = createUserService({ db, users, hasher: passwordHasher });
  const throttle = createAccountThrottle({
    store: redis ? createRedisThrottleStore(redis, config.redis.prefix) : createMemoryThrottleStore(clock),
    clock,
    logger,
    freeFailures: config.limits.accountFreeFailures,
    maxDelaySeconds: config.limits.accountMaxDelaySeconds,
  });
  const profiles = createProfileService({ users, hasher: passwordHasher, sessions, throttle, audit });
  const adminUsers = createAdminUserService({ db, users, accounts: userService, roles: roleService, sessions, audit });
  const auth = createAuthService({
    users,
    accounts: userService,
    roles: roleService,
    sessions,
    hasher: passwordHasher,
    tokens,
    throttle,
    audit,
    logger,
    allowSignupRoles: config.signup.allowRoles,
  });
  return {
    users,
    roles,
    roleService,
    userService,
    hasher: passwordHasher,
    hashing,
    audit,
    keys,
    tokens,
    accounts,
    revocations,
    sessions,
    auth,
    profiles,
    adminUsers,
    ping: () => db.ping(),
    admit: (claims) => !revocations.isRevoked(claims.sid) && accounts.admit(claims),
  };
}
