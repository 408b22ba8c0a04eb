import { Command, Option } from 'commander';
import { migrateToLatest } from '../db/migrator.js';
import { signupSchema } from '../features/auth/auth.schemas.js';
import { createServices } from '../services.js';
import { parseBody } from '../lib/validation.js';
import { print, withRuntime } from './cli-runtime.js';
import { readSecret } from './prompt.js';

const PASSWORD_ENV = 'TOKENGATE_PASSWORD';

async function passwordFrom(flag: string | undefined): Promise<string> {
  if (flag !== undefined) return flag;
  const fromEnv = process.env[PASSWORD_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return readSecret('Password: ');
}

export function usersCreateCommand(): Command {
  return new Command('users:create')
    .description('create an account with any roles, e.g. the first admin')
    .requiredOption('--username <name>', 'username (3-32 letters, digits, ".", "_", "-")')
    .requiredOption('--email <email>', 'email address')
    .addOption(new Option('--role <role...>', 'roles to grant (repeatable)').default(['user']))
    .option(
      '--password <password>',
      `password (visible to other local users; prefer the ${PASSWORD_ENV} environment variable or the prompt)`,
    )
    .action(async (options: { username: string; email: string; role: string[]; password?: string }) => {
      const password = await passwordFrom(options.password);
      const input = parseBody(signupSchema, { ...options, password, roles: options.role });
      await withRuntime(async ({ config, db, logger }) => {
        await migrateToLatest(db, logger);
        const services = createServices({ config, db, logger });
        const roles = await services.roleService.resolve(input.roles);
        const id = await services.userService.register({ ...input, roleIds: roles.map((r) => r.id) });
        print(`Created user ${id} (${input.username}) with roles ${roles.map((r) => r.name).join(', ')}.`);
      });
    });
}
