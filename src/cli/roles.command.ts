import { Command } from 'commander';
import { newRoleSchema } from '../features/roles/role.schemas.js';
import { parseBody } from '../lib/validation.js';
import { print, printJson } from './cli-runtime.js';
import { CLI_ACTOR, withServices } from './services.js';

/** roles:list, roles:create, roles:delete: what /api/admin/roles does, for operators. */
export function roleCommands(): Command[] {
  const list = new Command('roles:list')
    .description('list the roles: built-in and custom, with the number of users holding each')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await withServices(async ({ roleService }) => {
        const roles = await roleService.list();
        if (options.json) return printJson({ roles });
        for (const role of roles) print(`${role.name.padEnd(32)} ${role.builtin ? 'built-in' : 'custom  '}  ${role.users} user(s)`);
      });
    });

  const create = new Command('roles:create')
    .description('create a custom role, which users:create --role and users:set-roles can then grant')
    .requiredOption('--name <name>', 'the role name: 2 to 32 lowercase letters, digits, "_" or "-", starting with a letter')
    .action(async (options: { name: string }) => {
      const { name } = parseBody(newRoleSchema, { name: options.name });
      await withServices(async ({ roleService }) => {
        const role = await roleService.create(name, CLI_ACTOR);
        print(`Created role ${role.name}.`);
      });
    });

  const remove = new Command('roles:delete')
    .description('delete a custom role; its holders lose it and their sessions end')
    .requiredOption('--name <name>', 'the role to delete')
    .action(async (options: { name: string }) => {
      await withServices(async ({ roleService }) => {
        await roleService.remove(options.name, CLI_ACTOR);
        print(`Deleted role ${options.name}.`);
      });
    });

  return [list, create, remove];
}
