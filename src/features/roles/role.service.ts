import { AppError } from '../../lib/errors.js';
import { DEFAULT_ROLE } from './role.hierarchy.js';
import type { RoleRecord, RoleRepository } from './role.repository.js';

export interface RoleService {
  /** The roles with these names (the default role when none are given); 400 for an unknown name. */
  resolve(names: readonly string[] | undefined): Promise<RoleRecord[]>;
}

export function createRoleService(roles: RoleRepository): RoleService {
  return {
    async resolve(names) {
      const wanted = [...new Set(names && names.length > 0 ? names : [DEFAULT_ROLE])];
      const found = await roles.findByNames(wanted);
      const unknown = wanted.find((name) => !found.some((role) => role.name === name));
      if (unknown !== undefined) throw new AppError('ROLE_NOT_FOUND', `Failed! Role does not exist = ${unknown}`);
      return found;
    },
  };
}
