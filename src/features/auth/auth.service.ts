import { AppError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import { authorities, DEFAULT_ROLE } from '../roles/role.hierarchy.js';
import type { RoleService } from '../roles/role.service.js';
import type { TokenService } from '../tokens/token.service.js';
import type { PasswordHasher } from '../users/password-hasher.js';
import type { UserRepository } from '../users/user.repository.js';
import type { UserService } from '../users/user.service.js';
import type { SigninInput, SignupInput } from './auth.schemas.js';

export interface SigninResult {
  id: number;
  username: string;
  email: string;
  roles: string[];
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

export interface AuthService {
  signup(input: SignupInput): Promise<void>;
  signin(input: SigninInput): Promise<SigninResult>;
}

export interface AuthServiceDeps {
  users: UserRepository;
  accounts: UserService;
  roles: RoleService;
  hasher: PasswordHasher;
  tokens: TokenService;
  logger: Logger;
  allowSignupRoles: boolean;
}

export function createAuthService(deps: AuthServiceDeps): AuthService {
  const { users, accounts, roles, hasher, tokens, logger } = deps;

  return {
    async signup(input) {
      const granted = await roles.resolve(input.roles);
      const elevated = granted.map((role) => role.name).filter((name) => name !== DEFAULT_ROLE);
      if (elevated.length > 0 && !deps.allowSignupRoles) {
        throw new AppError(
          'SIGNUP_ROLE_FORBIDDEN',
          `Signup cannot grant the role(s) ${elevated.join(', ')}: new accounts get the "user" role. ` +
            'An administrator grants other roles (see `tokengate users:create`); ALLOW_SIGNUP_ROLES=true allows it for demos.',
        );
      }
      await accounts.register({ ...input, roleIds: granted.map((role) => role.id) });
    },

    async signin(input) {
      const user = await users.findByUsername(input.username);
      // The same work for an unknown user as for a wrong password, and the same answer.
      let valid = false;
      if (user) valid = await hasher.verify(user.passwordHash, input.password);
      else await hasher.verifyNothing(input.password);
      if (!user || !valid) {
        throw new AppError('INVALID_CREDENTIALS', undefined, { body: { accessToken: null } });
      }
      if (user.passwordHash && hasher.needsRehash(user.passwordHash)) {
        try {
          await users.updatePasswordHash(user.id, await hasher.hash(input.password));
        } catch (error) {
          logger.warn({ err: error, userId: user.id }, 'could not upgrade a password hash; will retry at next signin');
        }
      }
      const access = await tokens.issueAccessToken({ id: user.id, roles: user.roles });
      return {
        id: user.id,
        username: user.username,
        email: user.email,
        roles: authorities(user.roles),
        accessToken: access.token,
        tokenType: 'Bearer',
        expiresIn: access.expiresIn,
      };
    },
  };
}
