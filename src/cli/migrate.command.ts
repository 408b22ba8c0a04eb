import { Argument, Command } from 'commander';
import { withMigrator } from '../db/migrator.js';
import { print, withRuntime } from './cli-runtime.js';

export function migrateCommand(): Command {
  return new Command('migrate')
    .description('apply pending database migrations; "down" undoes the last one, "status" lists them')
    .addArgument(new Argument('[action]', 'what to do').choices(['up', 'down', 'status']).default('up'))
    .action(async (action: 'up' | 'down' | 'status') => {
      await withRuntime(({ db, logger }) =>
        withMigrator(db, logger, async (migrator) => {
          if (action === 'status') {
            for (const m of await migrator.executed()) print(`applied  ${m.name}`);
            for (const m of await migrator.pending()) print(`pending  ${m.name}`);
            return;
          }
          const done = action === 'up' ? await migrator.up() : await migrator.down();
          if (done.length === 0) print(action === 'up' ? 'Database is up to date.' : 'Nothing to undo.');
          for (const m of done) print(`${action === 'up' ? 'applied' : 'reverted'}  ${m.name}`);
        }),
      );
    });
}
