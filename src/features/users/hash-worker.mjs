// A password-hashing thread: argon2id, synchronously, at a low CPU priority, so that the event
// loop (token checks, every other request) runs first whenever the two compete for a core.
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { hashSync, verifySync } from '@node-rs/argon2';

/**
 * @typedef {{ id: number, op: 'hash', password: string, options: import('@node-rs/argon2').Options }
 *   | { id: number, op: 'verify', hash: string, password: string }} Task
 */

/** @type {{ nice?: number } | undefined} */
// eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- workerData is what hash-pool.ts passes
const settings = workerData;

try {
  // On Linux this lowers the priority of this thread only.
  setPriority(0, settings?.nice ?? 10);
} catch {
  // Not permitted here: hash at normal priority.
}

parentPort?.on('message', (/** @type {Task} */ task) => {
  try {
    const result = task.op === 'hash' ? hashSync(task.password, task.options) : verifySync(task.hash, task.password);
    parentPort?.postMessage({ id: task.id, result });
  } catch (error) {
    parentPort?.postMessage({ id: task.id, error: error instanceof Error ? error.message : String(error) });
  }
});
