import { Command, Option } from 'commander';
import { signupSchema } from '../features/auth/auth.schemas.js';
import type { AdminUserService } from '../features/users/admin-users.service.js';
import { toUserQuery, userListQuerySchema } from '../features/users/user.schemas.js';
import type { UserView } from '../features/users/user.views.js';
import { parseBody } from '../lib/validation.js';
import { print, printJson } from './cli-runtime.js';
import { readSecret } from './prompt.js';
import { CLI_ACTOR, withServices } from './services.js';

const PASSWORD_ENV = 'TOKENGATE_PASSWORD';

async function passwordFrom(flag: string | undefined): Promise<string> {
  if (flag !== undefined) return flag;
  const fromEnv = process.env[PASSWORD_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return readSecret('Password: ');
}

function describe(user: UserView): string {
  const roles = user.roles.length > 0 ? user.roles.join(',') : '-';
  return `${String(user.id).padStart(6)}  ${user.username}  ${user.email}  ${roles}${user.disabled ? '  (disabled)' : ''}`;
}

/** A command that acts on the user named by --username. */
function userCommand(
  name: string,
  description: string,
  act: (admin: AdminUserService, user: UserView, options: Record<string, unknown>) => Promise<string>,
): Command {
  return new Command(name)
    .description(description)
    .requiredOption('--username <name>', 'the user to act on')
    .action(async (options: Record<string, unknown> & { username: string }) => {
      await withServices(async ({ adminUsers }) => {
        print(await act(adminUsers, await adminUsers.getByUsername(options.username), options));
      });
    });
}

export function userCommands(): Command[] {
  const create = new Command('users:create')
    .description('create an account with any roles, e.g. the first admin')
    .requiredOption('--username <name>', 'username (3-32 letters, digits, ".", "_", "-")')
    .requiredOption('--email <email>', 'email address')
    .addOption(new Option('--role <role...>', 'roles to grant (repeatable): user, moderator, admin or a role from roles:create').default(['user']))
    .option(
      '--password <password>',
      `password (visible to other local users; prefer the ${PASSWORD_ENV} environment variable or the prompt)`,
    )
    .action(async (options: { username: string; email: string; role: string[]; password?: string }) => {
      const password = await passwordFrom(options.password);
      const input = parseBody(signupSchema, { ...options, password, roles: options.role });
      await withServices(async ({ adminUsers }) => {
        const user = await adminUsers.create(input, CLI_ACTOR);
        print(`Created user ${user.id} (${user.username}) with roles ${user.roles.join(', ')}.`);
      });
    });

  const list = new Command('users:list')
    .description('list users, 20 a page')
    .option('--search <text>', 'part of the username or email')
    .option('--role <role>', 'only users with this role')
    .option('--disabled <true|false>', 'only disabled (true) or enabled (false) users')
    .option('--page <n>', 'page number', '1')
    .option('--size <n>', 'users a page (at most 100)', '20')
    .option('--sort <field>', 'id, username, email or createdAt; "-" first for descending', 'id')
    .option('--json', 'print JSON: {items, total, page, size}')
    .action(async ({ json, ...options }: Record<string, string | undefined> & { json?: boolean }) => {
      const query = parseBody(userListQuerySchema, options);
      await withServices(async ({ adminUsers }) => {
        const { items, total } = await adminUsers.list(toUserQuery(query));
        if (json) return printJson({ items, total, page: query.page, size: query.size });
        for (const user of items) print(describe(user));
        print(`${total} user(s); page ${query.page} of ${Math.max(1, Math.ceil(total / query.size))}.`);
      });
    });

  const setRoles = userCommand('users:set-roles', "replace a user's roles (removing one ends their sessions)", async (admin, user, options) => {
    const updated = await admin.update(user.id, { roles: options.role as string[] }, CLI_ACTOR);
    return `${updated.username} now has roles ${updated.roles.join(', ') || '(none)'}.`;
  }).requiredOption('--role <role...>', 'the roles to keep or grant (repeatable)');

  const disable = userCommand('users:disable', 'disable an account: it cannot sign in, and its sessions end', async (admin, user) => {
    await admin.update(user.id, { disabled: true }, CLI_ACTOR);
    return `${user.username} is disabled; their sessions have ended.`;
  });

  const enable = userCommand('users:enable', 'enable a disabled account again', async (admin, user) => {
    await admin.update(user.id, { disabled: false }, CLI_ACTOR);
    return `${user.username} is enabled.`;
  });

  const revoke = userCommand('users:revoke-sessions', "end all of a user's sessions", async (admin, user) => {
    await admin.revokeSessions(user.id, CLI_ACTOR);
    return `Ended every session of ${user.username}.`;
  });

  const resetMfa = userCommand('users:reset-mfa', "remove a user's second factors (authenticator app, recovery codes, passkeys)", async (admin, user) => {
    await admin.resetSecondFactors(user.id, CLI_ACTOR);
    return `Removed the second factors of ${user.username}; they sign in with their password alone.`;
  });

  const remove = userCommand('users:delete', 'delete an account and end its sessions', async (admin, user) => {
    await admin.remove(user.id, CLI_ACTOR);
    return `Deleted ${user.username}.`;
  });

  return [create, list, setRoles, disable, enable, revoke, resetMfa, remove];
}
