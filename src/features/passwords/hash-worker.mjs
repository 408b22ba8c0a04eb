// A password-hashing thread (run by piscina, see hash-threads.ts): argon2id, synchronously, at
// the lower CPU priority piscina gives the thread.
import { hashSync, verifySync } from '@node-rs/argon2';

/**
 * @param {{ op: 'hash', password: string, options: import('@node-rs/argon2').Options }
 *   | { op: 'verify', hash: string, password: string }} task
 * @returns {string | boolean}
 */
export default function hashTask(task) {
  return task.op === 'hash' ? hashSync(task.password, task.options) : verifySync(task.hash, task.password);
}
