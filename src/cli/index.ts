#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { isAppError } from '../lib/errors.js';
import { rootCause } from '../runtime.js';
import { keysListCommand, keysRotateCommand } from './keys.command.js';
import { migrateCommand } from './migrate.command.js';
import { roleCommands } from './roles.command.js';
import { userCommands } from './users.command.js';

const program = new Command('tokengate')
  .description('Tokengate: authentication and authorization service')
  .showHelpAfterError()
  .exitOverride();

program.addCommand(migrateCommand());
for (const command of userCommands()) program.addCommand(command);
for (const command of roleCommands()) program.addCommand(command);
program.addCommand(keysRotateCommand());
program.addCommand(keysListCommand());

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  const cause = isAppError(error) ? error : rootCause(error);
  process.stderr.write(`tokengate: ${cause instanceof Error ? cause.message : String(cause)}\n`);
  process.exit(1);
}
