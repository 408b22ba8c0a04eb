import { openRuntime, type Runtime } from '../runtime.js';

/** Opens config and database for one command, and always closes the database afterwards. */
export async function withRuntime<T>(work: (runtime: Runtime) => Promise<T>): Promise<T> {
  const runtime = openRuntime({ logLevel: process.env.LOG_LEVEL ? undefined : 'warn' });
  try {
    return await work(runtime);
  } finally {
    await runtime.db.close();
  }
}

export function print(line: string): void {
  process.stdout.write(`${line}\n`);
}
