// A password-hashing thread (run by piscina, see hash-threads.ts): argon2id, and bcrypt for
// adopted tutorial hashes, synchronously, at the lower CPU priority piscina gives the thread.
import { randomUUID } from 'node:crypto';
import { hashSync, verifySync } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';

/** Hashes of a random password, one per bcrypt cost, for the dummy compares. @type {Map<number, string>} */
const dummies = new Map();

/** @param {number} cost @returns {string} */
function dummyHash(cost) {
  let hash = dummies.get(cost);
  if (hash === undefined) {
    hash = bcrypt.hashSync(randomUUID(), cost);
    dummies.set(cost, hash);
  }
  return hash;
}

/**
 * @param {{ op: 'hash', password: string, options: import('@node-rs/argon2').Options }
 *   | { op: 'verify' | 'bcrypt', hash: string, password: string }
 *   | { op: 'bcrypt-dummy', cost: number, password: string }} task
 * @returns {string | boolean}
 */
export default function hashTask(task) {
  switch (task.op) {
    case 'hash':
      return hashSync(task.password, task.options);
    case 'verify':
      return verifySync(task.hash, task.password);
    case 'bcrypt':
      return bcrypt.compareSync(task.password, task.hash);
    case 'bcrypt-dummy':
      return bcrypt.compareSync(task.password, dummyHash(task.cost));
  }
}
