import { openRuntime, type Runtime } from '../runtime.js';

/** Opens config and database for one command, and always closes the database afterwards. */
export async function withRuntime<T>(work: (runtime: Runtime) => Promise<T>): Promise<T> {
  // Logs and warnings go to stderr: stdout carries only the answer, for pipes.
  const runtime = openRuntime({ logLevel: process.env.LOG_LEVEL ? undefined : 'warn', logToStderr: true });
  try {
    return await work(runtime);
  } finally {
    await runtime.db.close();
  }
}

export function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** A list as one JSON document (`--json`), for scripts. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
