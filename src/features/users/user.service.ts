import type { Transaction } from 'sequelize';
import type { Database } from '../../db/database.js';
import { AppError } from '../../lib/errors.js';
import type { PasswordHasher } from '../passwords/password-hasher.js';
import type { UserRecord } from './user-record.js';
import { DuplicateIdentityError, type UserRepository } from './user.repository.js';

export type { UserRecord } from './user-record.js';

export interface NewAccount {
  username: string;
  email: string;
  password: string;
  roleIds: number[];
  disabled?: boolean | undefined;
  /** Accounts an operator creates count as verified; signup's do not. */
  emailVerified?: boolean | undefined;
}

/** Work that must commit or fail with the new account, e.g. queueing its verification mail. */
export type WithNewAccount = (id: number, trx: Transaction) => Promise<void>;

/** Accounts, for the other features: they never touch the users tables themselves. */
export interface UserService {
  /**
   * Creates an account; 400 when the username or email is taken. Returns the new id.
   * `alongside` runs in the same transaction, with the new id.
   */
  register(account: NewAccount, alongside?: WithNewAccount): Promise<number>;
  findByUsername(username: string): Promise<UserRecord | null>;
  /** The account whose address this is (compared without case). */
  findByEmail(email: string): Promise<UserRecord | null>;
  findById(id: number): Promise<UserRecord | null>;
  /** The account, or USER_NOT_FOUND. */
  get(id: number): Promise<UserRecord>;
  updatePasswordHash(id: number, passwordHash: string, trx?: Transaction): Promise<void>;
  /** 400 EMAIL_TAKEN when another account has it. `verified`: the new address is proven. */
  changeEmail(id: number, email: string, options?: { verified?: boolean; trx?: Transaction }): Promise<void>;
  markEmailVerified(id: number, trx?: Transaction): Promise<void>;
  /** Which of `ids` still exist and are not disabled. */
  activeIds(ids: readonly number[]): Promise<Set<number>>;
  /** One bcrypt hash that remains from the tutorial's server, if any (for equal signin timing). */
  anyBcryptHash(): Promise<string | undefined>;
}

export interface UserServiceDeps {
  db: Pick<Database, 'transaction'>;
  users: UserRepository;
  hasher: PasswordHasher;
}

function takenError(field: 'username' | 'email'): AppError {
  return new AppError(field === 'username' ? 'USERNAME_TAKEN' : 'EMAIL_TAKEN');
}

/** Runs `work`; a unique-index refusal becomes USERNAME_TAKEN or EMAIL_TAKEN. */
export async function withIdentityChecks<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DuplicateIdentityError) throw takenError(error.field);
    throw error;
  }
}

export function createUserService({ db, users, hasher }: UserServiceDeps): UserService {
  return {
    async register({ username, email, password, roleIds, disabled, emailVerified }, alongside) {
      // Checked first for a clear answer; the unique indexes settle races below.
      if (await users.isUsernameTaken(username)) throw takenError('username');
      if (await users.isEmailTaken(email)) throw takenError('email');
      const passwordHash = await hasher.hash(password);
      return withIdentityChecks(() =>
        db.transaction(async (trx) => {
          const id = await users.create({ username, email, passwordHash, roleIds, disabled, emailVerified }, trx);
          await alongside?.(id, trx);
          return id;
        }),
      );
    },

    findByUsername: (username) => users.findByUsername(username),
    findByEmail: (email) => users.findByEmail(email),
    findById: (id) => users.findById(id),

    async get(id) {
      const user = await users.findById(id);
      if (!user) throw new AppError('USER_NOT_FOUND', `User ${id} not found.`);
      return user;
    },

    updatePasswordHash: (id, passwordHash, trx) => users.updatePasswordHash(id, passwordHash, trx),

    async changeEmail(id, email, { verified, trx } = {}) {
      if (await users.isEmailTaken(email, id)) throw takenError('email');
      await withIdentityChecks(() => users.updateEmail(id, email, trx, verified));
    },

    markEmailVerified: (id, trx) => users.markEmailVerified(id, trx),

    activeIds: (ids) => users.activeIds(ids),
    anyBcryptHash: () => users.anyBcryptHash(),
  };
}
