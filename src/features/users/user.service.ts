import type { Database } from '../../db/database.js';
import { AppError } from '../../lib/errors.js';
import type { PasswordHasher } from './password-hasher.js';
import { DuplicateIdentityError, type UserRepository } from './user.repository.js';

export interface NewAccount {
  username: string;
  email: string;
  password: string;
  roleIds: number[];
  disabled?: boolean | undefined;
}

export interface UserService {
  /** Creates an account; 400 when the username or email is taken. Returns the new id. */
  register(account: NewAccount): Promise<number>;
}

export interface UserServiceDeps {
  db: Pick<Database, 'transaction'>;
  users: UserRepository;
  hasher: PasswordHasher;
}

function takenError(field: 'username' | 'email'): AppError {
  return new AppError(field === 'username' ? 'USERNAME_TAKEN' : 'EMAIL_TAKEN');
}

export function createUserService({ db, users, hasher }: UserServiceDeps): UserService {
  return {
    async register({ username, email, password, roleIds, disabled }) {
      // Checked first for a clear answer; the unique indexes settle races below.
      if (await users.isUsernameTaken(username)) throw takenError('username');
      if (await users.isEmailTaken(email)) throw takenError('email');
      const passwordHash = await hasher.hash(password);
      try {
        return await db.transaction((trx) => users.create({ username, email, passwordHash, roleIds, disabled }, trx));
      } catch (error) {
        if (error instanceof DuplicateIdentityError) throw takenError(error.field);
        throw error;
      }
    },
  };
}
