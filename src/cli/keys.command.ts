import { Command } from 'commander';
import { migrateToLatest } from '../db/migrator.js';
import { KEY_ACTIVATION_DELAY_MS, type KeyInfo } from '../features/tokens/key-ring.js';
import { createKeyRing } from '../services.js';
import { print, withRuntime } from './cli-runtime.js';

function describe(key: KeyInfo): string {
  const until = key.verifiesUntil ? `, verifies until ${key.verifiesUntil.toISOString()}` : '';
  return `${key.status.padEnd(8)} ${key.kid}  ${key.alg}  generation ${key.generation}, signs from ${key.activatesAt.toISOString()}${until}`;
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
  return new Command('keys:list').description('list the signing keys that sign or verify tokens').action(async () => {
    await withRuntime(async (runtime) => {
      await migrateToLatest(runtime.db, runtime.logger);
      const keys = createKeyRing(runtime);
      await keys.load();
      for (const key of keys.describe()) print(describe(key));
    });
  });
}
