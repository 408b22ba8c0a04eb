import { Command } from 'commander';
import { migrateToLatest } from '../db/migrator.js';
import { KEY_ACTIVATION_DELAY_MS, type KeyInfo } from '../features/tokens/key-ring.js';
import { createKeyRing } from '../services.js';
import { print, printJson, withRuntime } from './cli-runtime.js';

function signing(key: KeyInfo): string {
  const from = key.activatesAt.toISOString();
  if (key.status === 'current') return `signs since ${from}`;
  if (key.status === 'pending') return `signs from ${from}`;
  if (!key.retiredAt) return `signed from ${from}`;
  if (key.retiredAt.getTime() <= key.activatesAt.getTime()) return 'never signed (a newer key took over first)';
  return `signed from ${from} to ${key.retiredAt.toISOString()}`;
}

function describe(key: KeyInfo): string {
  const until = key.verifiesUntil ? `, verifies until ${key.verifiesUntil.toISOString()}` : '';
  return `${key.status.padEnd(8)} ${key.kid}  ${key.alg}  generation ${key.generation}, ${signing(key)}${until}`;
}

export function keysRotateCommand(): Command {
  return new Command('keys:rotate')
    .description(
      `add a new signing key; it is published at once and signs after ${KEY_ACTIVATION_DELAY_MS / 60_000} minutes, ` +
        'while the previous key keeps verifying until its tokens expire',
    )
    .option('--immediate', 'sign with the new key at once (other instances and JWKS caches may lag for a moment)')
    .action(async (options: { immediate?: boolean }) => {
      await withRuntime(async (runtime) => {
        await migrateToLatest(runtime.db, runtime.logger);
        const keys = createKeyRing(runtime);
        await keys.load();
        const added = await keys.rotate({ immediate: options.immediate ?? false });
        print(`Added signing key ${added.kid} (${added.alg}); it signs from ${added.activatesAt.toISOString()}.`);
      });
    });
}

export function keysListCommand(): Command {
  return new Command('keys:list')
    .description('list the signing keys that sign or verify tokens')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await withRuntime(async (runtime) => {
        await migrateToLatest(runtime.db, runtime.logger);
        const keys = createKeyRing(runtime);
        await keys.load();
        if (options.json) return printJson({ keys: keys.describe() });
        for (const key of keys.describe()) print(describe(key));
      });
    });
}
