import type { Database } from '../../db/database.js';
import { AppError } from '../../lib/errors.js';
import type { RequestContext } from '../../lib/request-context.js';
import type { AuditLog, AuditType } from '../audit/audit.service.js';
import type { SecondFactors } from '../credentials/second-factors.js';
import type { RoleService } from '../roles/role.service.js';
import type { SessionService } from '../sessions/session.service.js';
import { ADMIN } from '../../lib/roles.js';
import type { UserRecord } from './user-record.js';
import type { UserRepository } from './user.repository.js';
import type { UserQuery } from './user-search.js';
import { withIdentityChecks, type UserService } from './user.service.js';
import { toUserView, type UserView } from './user.views.js';

/** Who makes an administrative change: an admin through the API, or an operator at the CLI. */
export interface Actor {
  /** The admin's user id; undefined for the CLI. */
  id?: number | undefined;
  context: RequestContext;
  via: 'api' | 'cli';
}

export interface UserPatch {
  roles?: string[] | undefined;
  disabled?: boolean | undefined;
  email?: string | undefined;
}

export interface NewManagedUser {
  username: string;
  email: string;
  password: string;
  roles?: string[] | undefined;
  disabled?: boolean | undefined;
}

export interface AdminUserService {
  list(query: UserQuery): Promise<{ items: UserView[]; total: number }>;
  get(id: number): Promise<UserView>;
  getByUsername(username: string): Promise<UserView>;
  create(input: NewManagedUser, actor: Actor): Promise<UserView>;
  /** Roles, disabled flag, email. Removing roles or disabling ends the user's sessions. */
  update(id: number, patch: UserPatch, actor: Actor): Promise<UserView>;
  remove(id: number, actor: Actor): Promise<void>;
  revokeSessions(id: number, actor: Actor): Promise<void>;
  /** Removes every second factor of the user (a lost phone); they sign in with the password alone. */
  resetSecondFactors(id: number, actor: Actor): Promise<void>;
}

export interface AdminUserServiceDeps {
  db: Pick<Database, 'transaction'>;
  users: UserRepository;
  accounts: UserService;
  roles: RoleService;
  sessions: SessionService;
  audit: AuditLog;
  secondFactors: Pick<SecondFactors, 'status' | 'statuses' | 'removeAll'>;
}

export function createAdminUserService(deps: AdminUserServiceDeps): AdminUserService {
  const { db, users, accounts, roles, sessions, audit, secondFactors } = deps;

  async function view(user: UserRecord): Promise<UserView> {
    return toUserView(user, await secondFactors.status(user.id));
  }

  async function existing(id: number): Promise<UserRecord> {
    const user = await users.findById(id);
    if (!user) throw new AppError('USER_NOT_FOUND', `User ${id} not found.`);
    return user;
  }

  function record(type: AuditType, actor: Actor, target: UserRecord | number, details?: Record<string, unknown>) {
    return audit.record({
      type,
      actorId: actor.id,
      targetId: typeof target === 'number' ? target : target.id,
      username: typeof target === 'number' ? undefined : target.username,
      context: actor.context,
      details: { ...details, via: actor.via },
    });
  }

  return {
    async list(query) {
      const { items, total } = await users.search(query);
      const mfa = await secondFactors.statuses(items.map((user) => user.id));
      return { items: items.map((user) => toUserView(user, mfa.get(user.id)!)), total };
    },

    async get(id) {
      return view(await existing(id));
    },

    async getByUsername(username) {
      const user = await users.findByUsername(username);
      if (!user) throw new AppError('USER_NOT_FOUND', `No user is named "${username}".`);
      return view(user);
    },

    async create(input, actor) {
      const granted = await roles.resolve(input.roles);
      // An operator vouches for the address: no verification mail, and signin is never held back.
      const id = await accounts.register({ ...input, roleIds: granted.map((r) => r.id), emailVerified: true });
      const created = await existing(id);
      await record('admin.user_created', actor, created, { roles: created.roles, disabled: created.disabled });
      return view(created);
    },

    async update(id, patch, actor) {
      if (patch.email !== undefined && (await users.isEmailTaken(patch.email, id))) throw new AppError('EMAIL_TAKEN');
      const granted = patch.roles === undefined ? undefined : await roles.resolve(patch.roles, { allowNone: true });
      const before = await withIdentityChecks(() =>
        db.transaction(async (trx) => {
          await users.lockAdmins(trx);
          const user = await users.findById(id, trx);
          if (!user) throw new AppError('USER_NOT_FOUND', `User ${id} not found.`);
          // Set directly (and audited below), as the admin vouches for it: counts as verified.
          if (patch.email !== undefined) await users.updateEmail(id, patch.email, trx, true);
          if (granted) await users.setRoles(id, granted.map((r) => r.id), trx);
          if (patch.disabled !== undefined) await users.setDisabled(id, patch.disabled, trx);

          const names = granted?.map((r) => r.name) ?? user.roles;
          const demoted = user.roles.some((role) => !names.includes(role));
          const disabling = patch.disabled === true && !user.disabled;
          if (user.roles.includes(ADMIN) && (!names.includes(ADMIN) || disabling)) {
            if ((await users.countActiveAdmins(trx)) === 0) throw new AppError('LAST_ADMIN');
          }
          if (demoted || disabling) {
            await sessions.end({ userIds: [id] }, disabling ? 'account-disabled' : 'roles-reduced', trx);
          }
          return user;
        }),
      );
      const after = await existing(id);
      await record('admin.user_updated', actor, after, {
        changes: { ...patch },
        before: { roles: before.roles, disabled: before.disabled, email: before.email },
      });
      return view(after);
    },

    async remove(id, actor) {
      const removed = await db.transaction(async (trx) => {
        await users.lockAdmins(trx);
        const user = await users.findById(id, trx);
        if (!user) throw new AppError('USER_NOT_FOUND', `User ${id} not found.`);
        await sessions.end({ userIds: [id] }, 'account-deleted', trx);
        await users.remove(id, trx);
        if (user.roles.includes(ADMIN) && (await users.countActiveAdmins(trx)) === 0) throw new AppError('LAST_ADMIN');
        return user;
      });
      await record('admin.user_deleted', actor, removed.id, { username: removed.username, roles: removed.roles });
    },

    async revokeSessions(id, actor) {
      const user = await existing(id);
      await sessions.end({ userIds: [id] }, 'revoked-by-admin');
      await record('admin.sessions_revoked', actor, user);
    },

    async resetSecondFactors(id, actor) {
      const user = await existing(id);
      const removed = await secondFactors.removeAll(id);
      await record('admin.mfa_reset', actor, user, { removed });
    },
  };
}
