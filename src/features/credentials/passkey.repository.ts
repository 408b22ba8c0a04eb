import type { FindAttributeOptions, Order, Transaction } from 'sequelize';
import type { Database } from '../../db/database.js';
import type { PasskeyRow } from '../../db/models.js';

export interface PasskeyRecord {
  id: string;
  userId: number;
  credentialId: string;
  publicKey: string;
  counter: number;
  transports: string[];
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export type NewPasskey = Omit<PasskeyRecord, 'lastUsedAt'> & { credentialHash: string };

/** The `passkeys` table. */
export interface PasskeyRepository {
  /** Throws Sequelize's UniqueConstraintError when the credential is registered already. */
  create(passkey: NewPasskey): Promise<void>;
  findByCredentialHash(credentialHash: string): Promise<PasskeyRecord | null>;
  listOf(userId: number): Promise<PasskeyRecord[]>;
  findOf(userId: number, id: string): Promise<PasskeyRecord | null>;
  rename(userId: number, id: string, name: string): Promise<boolean>;
  remove(userId: number, id: string): Promise<boolean>;
  /**
   * Records a use: the new counter and the time, only while the stored counter is still
   * `expected` (of two concurrent uses of one assertion, one wins).
   */
  recordUse(id: string, expected: number, counter: number, now: Date): Promise<boolean>;
  removeAll(userId: number, trx: Transaction): Promise<number>;
  counts(userIds: readonly number[]): Promise<Map<number, number>>;
}

function toRecord(row: PasskeyRow): PasskeyRecord {
  return {
    id: row.id,
    userId: row.userId,
    credentialId: row.credentialId,
    publicKey: row.publicKey,
    counter: Number(row.counter),
    transports: row.transports ? row.transports.split(',') : [],
    name: row.name,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
  };
}

/** IN lists stay short on every database. */
const BATCH = 500;

export function createPasskeyRepository(db: Database): PasskeyRepository {
  const { Passkey } = db.models;
  const { sequelize } = db;

  return {
    async create(passkey) {
      await Passkey.create({ ...passkey, transports: passkey.transports.join(',') || null, lastUsedAt: null });
    },

    async findByCredentialHash(credentialHash) {
      const p = db.params();
      const row = await Passkey.findOne(p.options({ where: { credentialHash: p.eq(credentialHash) } }));
      return row && toRecord(row);
    },

    async listOf(userId) {
      const p = db.params();
      const rows = await Passkey.findAll(p.options({ where: { userId: p.eq(userId) }, order: [['createdAt', 'ASC'], ['id', 'ASC']] as Order }));
      return rows.map(toRecord);
    },

    async findOf(userId, id) {
      const p = db.params();
      const row = await Passkey.findOne(p.options({ where: { id: p.eq(id), userId: p.eq(userId) } }));
      return row && toRecord(row);
    },

    async rename(userId, id, name) {
      const [count] = await Passkey.update({ name }, { where: { id, userId } });
      return count === 1;
    },

    async remove(userId, id) {
      const p = db.params();
      return (await Passkey.destroy(p.options({ where: { id: p.eq(id), userId: p.eq(userId) } }))) === 1;
    },

    async recordUse(id, expected, counter, now) {
      const [count] = await Passkey.update({ counter, lastUsedAt: now }, { where: { id, counter: expected } });
      return count === 1;
    },

    async removeAll(userId, trx) {
      const p = db.params();
      return Passkey.destroy(p.options({ where: { userId: p.eq(userId) }, transaction: trx }));
    },

    async counts(userIds) {
      const result = new Map<number, number>();
      const ids = [...new Set(userIds)];
      for (let start = 0; start < ids.length; start += BATCH) {
        const p = db.params();
        const rows = (await Passkey.findAll(
          p.options({
            attributes: ['userId', [sequelize.fn('COUNT', sequelize.col('id')), 'n']] as FindAttributeOptions,
            where: { userId: p.in(ids.slice(start, start + BATCH)) },
            group: ['userId'],
            raw: true,
          }),
        )) as unknown as Array<{ userId: number; n: number | string }>;
        for (const row of rows) result.set(Number(row.userId), Number(row.n));
      }
      return result;
    },
  };
}

