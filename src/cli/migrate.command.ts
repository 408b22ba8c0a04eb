import { Argument, Command } from 'commander';
import { describeHolding } from '../db/migrations/holdings.js';
import { planDown, withMigrator, type Migrator } from '../db/migrator.js';
import type { Runtime } from '../runtime.js';
import { print, printJson, withRuntime } from './cli-runtime.js';
import { confirm } from './prompt.js';

interface MigrateOptions {
  json?: boolean;
  yes?: boolean;
  drop?: boolean;
}

function note(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Undoes the last migration after saying what it keeps or deletes, and after a confirmation. */
async function down(migrator: Migrator, { db, logger }: Runtime, options: MigrateOptions): Promise<void> {
  const plan = await planDown(migrator, db, logger);
  if (!plan) return print('Nothing to undo.');
  note(`migrate down undoes ${plan.name}.`);
  for (const { holding, rows } of plan.holdings) {
    note(`  ${options.drop ? 'deletes' : 'keeps (it holds data; --drop deletes it)'}: ${describeHolding(holding)}, ${rows} row(s)`);
  }
  if (plan.holdings.length === 0) note('  no data is lost.');
  else if (!options.drop) note('  kept data is used again when "migrate up" reapplies it.');
  if (!options.yes) {
    if (!process.stdin.isTTY) {
      throw new Error('migrate down changes the schema: confirm on a terminal, or pass --yes (in scripts).');
    }
    if (!(await confirm(`Undo ${plan.name}${options.drop && plan.holdings.length > 0 ? ' and delete the data above' : ''}? [y/N] `))) {
      throw new Error('cancelled; nothing was changed.');
    }
  }
  for (const m of await migrator.down()) print(`reverted  ${m.name}`);
}

export function migrateCommand(): Command {
  return new Command('migrate')
    .description('apply pending database migrations; "status" lists them; "down" undoes the last one (asks first)')
    .addArgument(new Argument('[action]', 'what to do').choices(['up', 'down', 'status']).default('up'))
    .option('--json', 'status: print JSON {applied, pending}')
    .option('--yes', 'down: do not ask for confirmation (for scripts)')
    .option('--drop', 'down: delete tables and columns even when they hold data')
    .action(async (action: 'up' | 'down' | 'status', options: MigrateOptions) => {
      await withRuntime((runtime) =>
        withMigrator(
          runtime.db,
          runtime.logger,
          async (migrator) => {
            if (action === 'status') {
              if (options.json) {
                const names = (list: { name: string }[]) => list.map((m) => m.name);
                return printJson({ applied: names(await migrator.executed()), pending: names(await migrator.pending()) });
              }
              for (const m of await migrator.executed()) print(`applied  ${m.name}`);
              for (const m of await migrator.pending()) print(`pending  ${m.name}`);
              return;
            }
            if (action === 'down') return down(migrator, runtime, options);
            const done = await migrator.up();
            if (done.length === 0) print('Database is up to date.');
            for (const m of done) print(`applied  ${m.name}`);
          },
          { drop: options.drop },
        ),
      );
    });
}
