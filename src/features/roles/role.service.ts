import type { Database } from '../../db/database.js';
import { AppError } from '../../lib/errors.js';
import type { RequestContext } from '../../lib/request-context.js';
import type { AuditLog } from '../audit/audit.service.js';
import type { SessionService } from '../sessions/session.service.js';
import { DEFAULT_ROLE, isBuiltinRole, roleName } from '../../lib/roles.js';
import type { RoleRecord, RoleRepository } from './role.repository.js';

export interface RoleView extends RoleRecord {
  builtin: boolean;
  /** Users holding the role. */
  users: number;
}

export interface RoleActor {
  id?: number | undefined;
  context: RequestContext;
}

export interface RoleService {
  /**
   * The roles with these names; 400 for an unknown name. No names means the default role,
   * unless `allowNone` (an explicit empty list of roles).
   */
  resolve(names: readonly string[] | undefined, options?: { allowNone?: boolean }): Promise<RoleRecord[]>;
  list(): Promise<RoleView[]>;
  create(name: string, actor: RoleActor): Promise<RoleView>;
  /** Deletes a custom role; its holders lose it, and their sessions end. */
  remove(name: string, actor: RoleActor): Promise<void>;
}

export interface RoleServiceDeps {
  db: Pick<Database, 'transaction'>;
  roles: RoleRepository;
  sessions: SessionService;
  audit: AuditLog;
}

export function createRoleService({ db, roles, sessions, audit }: RoleServiceDeps): RoleService {
  return {
    async resolve(names, options = {}) {
      if (names && names.length === 0 && options.allowNone) return [];
      const given = names && names.length > 0 ? names : [DEFAULT_ROLE];
      const wanted = [...new Set(given.map(roleName))];
      const found = await roles.findByNames(wanted);
      const unknown = given.find((name) => !found.some((role) => role.name === roleName(name)));
      if (unknown !== undefined) throw new AppError('ROLE_NOT_FOUND', `Failed! Role does not exist = ${unknown}`);
      return found;
    },

    async list() {
      return (await roles.listWithCounts()).map((r) => ({ ...r, builtin: isBuiltinRole(r.name) }));
    },

    async create(name, actor) {
      // Two creations at once may pick the same id: the loser tries again with the next one.
      for (let attempt = 0; attempt < 3; attempt++) {
        const created = await db.transaction((trx) => roles.create(name, trx));
        if (created) {
          await audit.record({ type: 'admin.role_created', actorId: actor.id, context: actor.context, details: { role: name } });
          return { ...created, builtin: false, users: 0 };
        }
        if ((await roles.findByNames([name])).length > 0) break;
      }
      throw new AppError('ROLE_EXISTS', `A role named "${name}" exists already.`);
    },

    async remove(given, actor) {
      const name = roleName(given);
      if (isBuiltinRole(name)) throw new AppError('ROLE_BUILTIN');
      const [role] = await roles.findByNames([name]);
      if (!role) throw new AppError('ROLE_MISSING', `No role is named "${name}".`);
      await db.transaction(async (trx) => {
        await sessions.end({ userIds: await roles.holders(role.id, trx) }, 'roles-reduced', trx);
        await roles.remove(role.id, trx);
      });
      await audit.record({ type: 'admin.role_deleted', actorId: actor.id, context: actor.context, details: { role: name } });
    },
  };
}
